/**
 * Latency histogram with fixed 10 µs buckets up to 100 ms (beyond that only the count and the
 * exact max are kept). Fixed buckets merge across worker processes by adding counts, which a
 * sorted sample array cannot do without shipping every sample; 10 µs is far below the
 * millisecond figures the benchmark reports.
 */
export const BUCKET_US = 10;
const BUCKETS = 10_000;

/** The serializable form sent over IPC: only non-empty buckets. */
export interface HistogramData {
  buckets: Array<[index: number, count: number]>;
  overflow: number;
  count: number;
  sumMs: number;
  maxMs: number;
}

/** Percentile summary in milliseconds. */
export interface LatencySummary {
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  meanMs: number;
}

export class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKETS);
  private overflow = 0;
  private count = 0;
  private sumMs = 0;
  private maxMs = 0;

  /** Record one latency in milliseconds. */
  record(ms: number): void {
    const i = Math.floor((ms * 1000) / BUCKET_US);
    if (i < 0) this.counts[0]! += 1;
    else if (i < BUCKETS) this.counts[i]! += 1;
    else this.overflow += 1;
    this.count += 1;
    this.sumMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  toJSON(): HistogramData {
    const buckets: Array<[number, number]> = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i]! > 0) buckets.push([i, this.counts[i]!]);
    return { buckets, overflow: this.overflow, count: this.count, sumMs: this.sumMs, maxMs: this.maxMs };
  }

  /** Add another histogram's counts (from another worker). */
  merge(other: HistogramData): void {
    for (const [i, n] of other.buckets) this.counts[i]! += n;
    this.overflow += other.overflow;
    this.count += other.count;
    this.sumMs += other.sumMs;
    if (other.maxMs > this.maxMs) this.maxMs = other.maxMs;
  }

  /**
   * Percentiles as the upper edge of the bucket holding the ranked sample (conservative by at
   * most 10 µs); a rank in the overflow reports the exact max.
   */
  summary(): LatencySummary {
    const at = (q: number): number => {
      if (this.count === 0) return Number.NaN;
      const rank = Math.max(1, Math.ceil(q * this.count));
      let seen = 0;
      for (let i = 0; i < BUCKETS; i++) {
        seen += this.counts[i]!;
        if (seen >= rank) return Math.min(((i + 1) * BUCKET_US) / 1000, this.maxMs);
      }
      return this.maxMs;
    };
    return {
      count: this.count,
      p50Ms: at(0.5),
      p90Ms: at(0.9),
      p99Ms: at(0.99),
      p999Ms: at(0.999),
      maxMs: this.count === 0 ? Number.NaN : this.maxMs,
      meanMs: this.count === 0 ? Number.NaN : this.sumMs / this.count,
    };
  }
}
