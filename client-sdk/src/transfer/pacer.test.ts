import { describe, expect, it } from 'vitest';
import { HypersendError } from '../errors.ts';
import { assertSendRate, MIN_BYTES_PER_SECOND, Pacer } from './pacer.ts';

describe('Pacer', () => {
  it('lets a burst through, then holds the long-run average to the rate', () => {
    let now = 0;
    const p = new Pacer(1_000_000, () => now);
    // The burst (256 KiB here: more than a tenth of a second at 1 MB/s) goes without waiting.
    expect(p.reserve(256 * 1024)).toBe(0);
    // The next 100 kB must wait 100 ms at 1 MB/s.
    expect(p.reserve(100_000)).toBeCloseTo(100, 5);
    // Time passing earns tokens back: 10 s at 1 MB/s sends 10 MB in total, not more.
    let sent = 0;
    let waited = 0;
    while (sent < 10_000_000) {
      const w = p.reserve(65_536);
      waited += w;
      now += w;
      sent += 65_536;
    }
    expect(waited / 1000).toBeGreaterThan(9.9);
    expect(waited / 1000).toBeLessThan(10.3);
  });

  it('waits in real time', async () => {
    const p = new Pacer(MIN_BYTES_PER_SECOND * 10);
    const start = performance.now();
    await p.take(256 * 1024); // the burst
    await p.take(MIN_BYTES_PER_SECOND); // a tenth of a second more
    expect(performance.now() - start).toBeGreaterThanOrEqual(90);
  });

  it('refuses rates below the minimum with invalid_argument', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, MIN_BYTES_PER_SECOND - 1]) {
      expect(() => assertSendRate(bad)).toThrow(HypersendError);
      expect(() => new Pacer(bad)).toThrow(/at least 16384/u);
    }
    expect(() => assertSendRate(MIN_BYTES_PER_SECOND)).not.toThrow();
  });
});
