/** Options of {@link backoffDelay}. */
export interface BackoffOptions {
  /** Delay scale of the first retry, ms. Default 500. */
  baseMs?: number;
  /** Upper bound of any delay, ms. Default 30 000. */
  capMs?: number;
}

/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff and Jitter"):
 * a uniformly random delay in `[0, min(cap, base · 2^attempt))`. Full jitter spreads a crowd of
 * clients that lost the same server across the whole window instead of letting them return in
 * synchronized waves.
 *
 * @example
 * backoffDelay(0); // 0..500 ms
 * backoffDelay(10, { capMs: 30_000 }); // 0..30 s
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random = Math.random): number {
  const base = options.baseMs ?? 500;
  const cap = options.capMs ?? 30_000;
  const ceiling = Math.min(cap, base * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
