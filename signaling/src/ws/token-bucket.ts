/**
 * Token bucket: `ratePerSecond` sustained, `burst` at once. Refills lazily from the caller's
 * clock on each `take`, so there is no timer per connection.
 *
 * @example
 * const bucket = new TokenBucket(50, 200, Date.now());
 * if (!bucket.take(Date.now())) reject('rate_limited');
 */
export class TokenBucket {
  // Initialised with numbers where they are declared. A class field declared without a value
  // starts out `undefined` (ES2022 field semantics), and V8 then keeps it as a tagged field in
  // which every fractional value written later is a fresh heap-allocated number: one object per
  // frame per connection, each pointed to from an old object, which made the server's
  // young-generation GC pauses grow with the connection count (4-10 ms at 10,000 connections).
  // Started as numbers, the fields hold their doubles in place.
  private tokens = 0;
  private last = 0;

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
