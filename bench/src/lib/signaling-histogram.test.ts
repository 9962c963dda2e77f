import { describe, expect, it } from 'vitest';
import { bucketOf, LatencyHistogram, upperEdgeMs } from './signaling-histogram.ts';

describe('LatencyHistogram', () => {
  it('reports millisecond percentiles to 10 µs', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.record(i / 100); // 0.01 … 10 ms
    const s = h.summary();
    expect(s.p50Ms).toBeCloseTo(5, 1);
    expect(s.p99Ms).toBeCloseTo(9.9, 1);
    expect(s.maxMs).toBe(10);
  });

  it('reports values far above 100 ms within 1 % instead of clamping them', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 60; i++) h.record(0.5);
    for (let i = 0; i < 50; i++) h.record(150 + i * 10); // 150 … 640 ms
    h.record(5_000);
    const s = h.summary();
    expect(s.p50Ms).toBeCloseTo(0.5, 1);
    // Rank 100 of 111 is the 40th slow sample, 540 ms.
    expect(s.p90Ms).toBeGreaterThanOrEqual(540);
    expect(s.p90Ms).toBeLessThanOrEqual(540 * 1.01);
    expect(s.maxMs).toBe(5_000);
    expect(s.p99Ms).toBeLessThan(s.maxMs);
  });

  it('keeps every bucket edge above the values it holds and merges across workers', () => {
    for (const ms of [0, 0.004, 0.01, 99.99, 100, 100.5, 1_234, 60_000, 1e7]) {
      expect(upperEdgeMs(bucketOf(ms))).toBeGreaterThanOrEqual(Math.min(ms, upperEdgeMs(bucketOf(1e9))));
    }
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    a.record(1);
    b.record(2_000);
    a.merge(JSON.parse(JSON.stringify(b.toJSON())));
    expect(a.summary()).toMatchObject({ count: 2, maxMs: 2_000 });
    expect(a.summary().p99Ms).toBeGreaterThan(1_900);
  });
});
