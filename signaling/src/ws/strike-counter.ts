/**
 * Counts misbehaviour (bad frames, rate-limited frames) in a sliding window and says when a
 * connection has gone past `limit` strikes within `windowMs`. A ring of the last `limit + 1`
 * strike times makes the window exact without allocating per strike.
 *
 * @example
 * const bad = new StrikeCounter(10, 60_000);
 * if (bad.strike(Date.now())) ws.end(CloseCode.policyViolation, 'too many bad frames');
 */
export class StrikeCounter {
  private readonly times: Float64Array;
  private next = 0;
  private count = 0;

  constructor(
    limit: number,
    private readonly windowMs: number,
  ) {
    this.times = new Float64Array(limit + 1);
  }

  /** Record a strike at `now` (epoch ms). True when more than `limit` fell within the window. */
  strike(now: number): boolean {
    const size = this.times.length;
    this.times[this.next] = now;
    this.next = (this.next + 1) % size;
    if (this.count < size) this.count += 1;
    if (this.count < size) return false;
    // The ring is full: `next` now points at the oldest of the last limit+1 strikes.
    const oldest = this.times[this.next] ?? 0;
    return now - oldest < this.windowMs;
  }
}
