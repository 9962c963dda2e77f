// Ctrl-C: the innermost registered handler runs once (e.g. interrupt a transfer, tell the peer);
// then the process exits 130. A second Ctrl-C exits at once.
const handlers: Array<() => Promise<void>> = [];
let exiting = false;

/** Run `fn` on Ctrl-C (SIGINT/SIGTERM) instead of dying mid-write; returns the unregister function. */
export function onInterrupt(fn: () => Promise<void>): () => void {
  handlers.push(fn);
  return () => {
    const i = handlers.indexOf(fn);
    if (i >= 0) handlers.splice(i, 1);
  };
}

/** Install the process signal handlers (once, from main). */
export function installInterrupt(beforeExit: () => Promise<void>): void {
  const handle = (): void => {
    if (exiting) process.exit(130);
    exiting = true;
    const fn = handlers[handlers.length - 1];
    const hardStop = setTimeout(() => process.exit(130), 5000);
    hardStop.unref();
    void (fn ? fn() : Promise.resolve())
      .catch(() => undefined)
      .then(beforeExit)
      .finally(() => process.exit(130));
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
}
