// Send-rate limit for the sender pump (`maxBytesPerSecond`, CLI `--limit-rate`): a token bucket
// that lets a short burst through (so pacing does not stall the channel's pipeline on every chunk)
// and then holds the long-run average to the configured rate, like curl's --limit-rate.
import { HypersendError } from '../errors.ts';

/** Smallest accepted rate: below this a 64 KiB chunk would take longer than a second to earn. */
export const MIN_BYTES_PER_SECOND = 16 * 1024;

/**
 * Check a rate limit before any work starts (hashing a large file takes a while).
 *
 * @throws HypersendError `invalid_argument` when the rate is not a number ≥ {@link MIN_BYTES_PER_SECOND}.
 */
export function assertSendRate(bytesPerSecond: number): void {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond < MIN_BYTES_PER_SECOND)
    throw new HypersendError(
      'invalid_argument',
      `maxBytesPerSecond must be at least ${MIN_BYTES_PER_SECOND}`,
    );
}

/** Paces byte counts to an average rate. Cheap when not limiting: callers skip it entirely. */
export class Pacer {
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #last: number;
  readonly #now: () => number;

  /**
   * @param bytesPerSecond long-run average; at least {@link MIN_BYTES_PER_SECOND}.
   * @param now clock in milliseconds (injectable for tests).
   * @throws HypersendError `invalid_argument` when the rate is not a number ≥ {@link MIN_BYTES_PER_SECOND}.
   */
  constructor(bytesPerSecond: number, now: () => number = () => performance.now()) {
    assertSendRate(bytesPerSecond);
    this.#rate = bytesPerSecond;
    // A tenth of a second's worth, but never less than one large chunk.
    this.#burst = Math.max(bytesPerSecond / 10, 256 * 1024);
    this.#tokens = this.#burst;
    this.#now = now;
    this.#last = now();
  }

  /** Milliseconds to wait before `bytes` may go; spends the tokens. */
  reserve(bytes: number): number {
    const t = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((t - this.#last) * this.#rate) / 1000);
    this.#last = t;
    this.#tokens -= bytes;
    return this.#tokens >= 0 ? 0 : (-this.#tokens * 1000) / this.#rate;
  }

  /** Resolve when `bytes` may be sent at the configured rate. */
  async take(bytes: number): Promise<void> {
    const wait = this.reserve(bytes);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
