/**
 * Token bucket: `ratePerSecond` sustained, `burst` at once. Refills lazily from the caller's
 * clock on each `take`, so there is no timer per connection.
 *
 * @example
 * const bucket = new TokenBucket(50, 200, Date.now());
 * if (!bucket.take(Date.now())) reject('rate_limited');
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Take one token at time `now` (epoch ms). False when the bucket is empty. */
  take(now: number): boolean {
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.ratePerSecond) / 1000);
      this.last = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
