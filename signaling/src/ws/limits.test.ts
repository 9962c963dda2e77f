import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runNativesFixture } from './natives-fixture.ts';
import { StrikeCounter } from './strike-counter.ts';
import { TokenBucket } from './token-bucket.ts';
import { TtlCache } from './ttl-cache.ts';

describe('TokenBucket', () => {
  it('allows the burst, then the sustained rate', () => {
    const bucket = new TokenBucket(10, 5, 0);
    for (let i = 0; i < 5; i++) expect(bucket.take(0)).toBe(true);
    expect(bucket.take(0)).toBe(false);
    // 10/s: one token per 100 ms.
    expect(bucket.take(50)).toBe(false);
    expect(bucket.take(100)).toBe(true);
    expect(bucket.take(100)).toBe(false);
    // Refill never exceeds the burst.
    for (let i = 0; i < 5; i++) expect(bucket.take(60_000)).toBe(true);
    expect(bucket.take(60_000)).toBe(false);
  });

  it('ignores a clock that goes backwards', () => {
    const bucket = new TokenBucket(1, 1, 1_000);
    expect(bucket.take(1_000)).toBe(true);
    expect(bucket.take(0)).toBe(false);
  });

  // Taken once per frame on every connection. Its fields once started as `undefined` (a class
  // field without a value), so V8 stored each fractional refill as a new heap number: garbage
  // per frame, pointed to from every connection, which grew the young-generation GC pauses
  // with the connection count. Optimised refills must allocate nothing.
  it('refills without allocating', async () => {
    const fixture = fileURLToPath(new URL('./token-bucket-alloc.fixture.ts', import.meta.url));
    const r = (await runNativesFixture(fixture, ['--expose-gc', '--min-semi-space-size=16'])) as {
      calls: number;
      allocatedBytes: number;
    };
    expect(r.calls).toBe(100_000);
    // A heap number per refilled field would be 3.2 MB; allow for the odd handle or IC object.
    expect(r.allocatedBytes).toBeGreaterThanOrEqual(0);
    expect(r.allocatedBytes).toBeLessThan(64 * 1024);
  }, 90_000);
});

describe('StrikeCounter', () => {
  it('trips on the 11th strike within the window, not on spread-out strikes', () => {
    const counter = new StrikeCounter(10, 60_000);
    for (let i = 0; i < 10; i++) expect(counter.strike(i * 1_000)).toBe(false);
    expect(counter.strike(10_000)).toBe(true);

    const slow = new StrikeCounter(10, 60_000);
    for (let i = 0; i < 100; i++) expect(slow.strike(i * 7_000)).toBe(false);
  });
});

describe('TtlCache', () => {
  it('expires entries and stays bounded', () => {
    const cache = new TtlCache<boolean>(5_000, 3);
    cache.set('a', true, 0);
    expect(cache.get('a', 4_999)).toBe(true);
    expect(cache.get('a', 5_000)).toBeUndefined();
    cache.set('a', false, 5_000);
    expect(cache.get('a', 6_000)).toBe(false);
    cache.set('b', true, 6_000);
    cache.set('c', true, 6_000);
    cache.set('d', true, 6_000);
    const alive = ['a', 'b', 'c', 'd'].filter((k) => cache.get(k, 6_000) !== undefined);
    expect(alive.length).toBeLessThanOrEqual(3);
    expect(cache.get('d', 6_000)).toBe(true);
  });
});
