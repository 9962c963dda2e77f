import { deleteObject, type RelayContext } from './context.ts';

const BATCH = 500;

/**
 * Delete expired objects and unfinished uploads past their deadline: bytes first, then the
 * record (which releases quota), so a crash midway leaves a record the next sweep finds again,
 * never orphaned bytes without one. Returns how many objects were removed.
 *
 * @example
 * const removed = await sweepExpired(ctx);
 */
export async function sweepExpired(ctx: RelayContext): Promise<number> {
  const now = ctx.clock.now();
  const incompleteBefore = Math.max(0, now - ctx.config.limits.incompleteTtlMs);
  let removed = 0;
  for (;;) {
    const batch = await ctx.store.listExpired(now, incompleteBefore + 1, BATCH);
    for (const record of batch) {
      await deleteObject(ctx, record.id);
      removed += 1;
    }
    if (batch.length < BATCH) break;
  }
  if (removed > 0) ctx.log.info({ removed }, 'swept expired objects');
  return removed;
}

/**
 * Run `sweepExpired` every `intervalMs`, one sweep at a time, on an unref'd timer (it must not keep
 * the process alive). Returns a stop function.
 */
export function startSweeper(ctx: RelayContext, intervalMs: number): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepExpired(ctx)
      .catch((err: unknown) => ctx.log.error({ err }, 'sweep failed'))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
