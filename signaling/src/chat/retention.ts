import type { Logger } from 'pino';
import type { Clock } from '../context.ts';
import type { ChatStore } from './chat-store.ts';

/** Longest pause between sweeps; shorter retentions sweep at a tenth of their age. */
const MAX_SWEEP_INTERVAL_MS = 60 * 60_000;
const MIN_SWEEP_INTERVAL_MS = 1_000;

/**
 * Remove messages older than `retentionMs`, now and then periodically (timer `unref`ed).
 * Returns `stop` and `sweep` (tests call `sweep` with an injected clock instead of waiting).
 *
 * @example
 * const retention = startRetention({ chat, retentionMs: 30 * 86_400_000, clock, log });
 * await retention.close();
 */
export function startRetention(deps: { chat: ChatStore; retentionMs: number; clock: Clock; log: Logger }): {
  sweep(): Promise<number>;
  close(): Promise<void>;
} {
  const { chat, retentionMs, clock, log } = deps;
  let running: Promise<number> | undefined;
  const sweep = (): Promise<number> => {
    running ??= chat
      .pruneMessages(clock.now() - retentionMs)
      .then((removed) => {
        if (removed > 0) log.info({ removed }, 'chat retention removed old messages');
        return removed;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const interval = Math.min(MAX_SWEEP_INTERVAL_MS, Math.max(MIN_SWEEP_INTERVAL_MS, retentionMs / 10));
  const timer = setInterval(() => {
    sweep().catch((err: unknown) => log.warn({ err }, 'chat retention sweep failed'));
  }, interval);
  timer.unref();
  sweep().catch((err: unknown) => log.warn({ err }, 'chat retention sweep failed'));
  return {
    sweep,
    async close() {
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
