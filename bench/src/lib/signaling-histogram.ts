/**
 * Latency histogram: fixed 10 µs buckets up to 100 ms, then buckets growing by 1 % each up to
 * ~35 minutes, so a tail of seconds (a saturated closed loop queues for that long) is reported
 * within 1 % instead of being clamped. Fixed buckets merge across worker processes by adding
 * counts, which a sorted sample array cannot do without shipping every sample; 10 µs is far
 * below the millisecond figures the benchmark reports.
 */
export const BUCKET_US = 10;
/** Linear buckets: 10 µs each, [0, 100 ms). */
const LINEAR_BUCKETS = 10_000;
const LINEAR_LIMIT_MS = (LINEAR_BUCKETS * BUCKET_US) / 1000;
/** Each bucket above the linear range is this much wider than the one before (1 % precision). */
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
/** 100 ms × 1.01^1000 ≈ 35 min; anything longer lands in the last bucket (the exact max is kept). */
const LOG_BUCKETS = 1_000;
const BUCKETS = LINEAR_BUCKETS + LOG_BUCKETS;

/** The serializable form sent over IPC: only non-empty buckets. */
export interface HistogramData {
  buckets: Array<[index: number, count: number]>;
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

/** Bucket index of a latency in milliseconds. */
export function bucketOf(ms: number): number {
  if (!(ms > 0)) return 0;
  if (ms < LINEAR_LIMIT_MS) return Math.floor((ms * 1000) / BUCKET_US);
  const i = LINEAR_BUCKETS + Math.floor(Math.log(ms / LINEAR_LIMIT_MS) / LOG_GROWTH);
  return Math.min(i, BUCKETS - 1);
}

/** Upper edge of bucket `i` in milliseconds. */
export function upperEdgeMs(i: number): number {
  if (i < LINEAR_BUCKETS) return ((i + 1) * BUCKET_US) / 1000;
  return LINEAR_LIMIT_MS * GROWTH ** (i - LINEAR_BUCKETS + 1);
}

export class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKETS);
  private count = 0;
  private sumMs = 0;
  private maxMs = 0;

  /** Record one latency in milliseconds. */
  record(ms: number): void {
    this.counts[bucketOf(ms)]! += 1;
    this.count += 1;
    this.sumMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  toJSON(): HistogramData {
    const buckets: Array<[number, number]> = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i]! > 0) buckets.push([i, this.counts[i]!]);
    return { buckets, count: this.count, sumMs: this.sumMs, maxMs: this.maxMs };
  }

  /** Add another histogram's counts (from another worker). */
  merge(other: HistogramData): void {
    for (const [i, n] of other.buckets) this.counts[i]! += n;
    this.count += other.count;
    this.sumMs += other.sumMs;
    if (other.maxMs > this.maxMs) this.maxMs = other.maxMs;
  }

  /**
   * Percentiles as the upper edge of the bucket holding the ranked sample (conservative by at
   * most 10 µs below 100 ms and 1 % above), never above the exact max.
   */
  summary(): LatencySummary {
    const at = (q: number): number => {
      if (this.count === 0) return Number.NaN;
      const rank = Math.max(1, Math.ceil(q * this.count));
      let seen = 0;
      for (let i = 0; i < BUCKETS; i++) {
        seen += this.counts[i]!;
        if (seen >= rank) return Math.min(upperEdgeMs(i), this.maxMs);
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
