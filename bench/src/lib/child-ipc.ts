import type { ChildConfig, FromChild, ToChild } from './pair-protocol.ts';

/** Post one message to the parent; a vanished parent means the run is over. */
export function toParent(msg: FromChild): void {
  if (process.send && process.connected) process.send(msg);
}

/** Read the child config from argv[2]. */
export function childConfig(): ChildConfig {
  const raw = process.argv[2];
  if (!raw) throw new Error('missing child config argument');
  return JSON.parse(raw) as ChildConfig;
}

/**
 * Subscribe to parent messages. A child must never outlive its parent: on IPC disconnect or an
 * explicit `exit` it leaves at once (wrtc threads would otherwise keep it alive).
 */
export function onParent(handler: (msg: ToChild) => void): void {
  process.on('message', (msg: ToChild) => {
    if (msg.t === 'exit') process.exit(0);
    handler(msg);
  });
  process.on('disconnect', () => process.exit(0));
}

/** Report a fatal error to the parent and exit non-zero. */
export function fail(err: unknown): never {
  toParent({ t: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
}
