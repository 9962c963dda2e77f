import { describe, expect, it } from 'vitest';
import type { Relationships } from '../context.ts';
import type { Store } from '../store/store.ts';
import { CACHE_JITTER, REACH_TTL_MS, REFRESH_AHEAD_MS, ReachCache, type ReachMemo } from './reach-cache.ts';

/** Relationships whose answers the test sets and whose lookups it counts and releases. */
function fakeRelationships() {
  const answers = new Map<string, boolean>();
  const pending: Array<() => void> = [];
  let lookups = 0;
  const relationships: Relationships = {
    canReach: (a, b) => {
      lookups += 1;
      const answer = answers.get(`${a}>${b}`) ?? false;
      return new Promise((resolve) => pending.push(() => resolve(answer)));
    },
    audienceOf: async () => [],
  };
  return {
    relationships,
    answers,
    lookups: () => lookups,
    release: async () => {
      for (const r of pending.splice(0)) r();
      await new Promise((r) => setImmediate(r));
    },
  };
}

describe('ReachCache', () => {
  const store = {} as Store;

  it('answers from the cache, refreshes ahead of expiry in the background, never blocking', async () => {
    let now = 0;
    const f = fakeRelationships();
    f.answers.set('a>b', true);
    const cache = new ReachCache(f.relationships, store, () => now);
    const first = cache.canReach('a', 'b');
    expect(first).toBeInstanceOf(Promise);
    await f.release();
    expect(await first).toBe(true);
    expect(cache.canReach('a', 'b')).toBe(true);
    expect(f.lookups()).toBe(1);
    // Near expiry whatever the jitter (before the shortest lifetime, inside the refresh window of
    // the longest): still answered synchronously, one background lookup.
    now = REACH_TTL_MS * (1 - CACHE_JITTER) - 500;
    expect(now).toBeGreaterThan(REACH_TTL_MS - REFRESH_AHEAD_MS);
    f.answers.set('a>b', false);
    expect(cache.canReach('a', 'b')).toBe(true);
    expect(cache.canReach('a', 'b')).toBe(true);
    expect(f.lookups()).toBe(2);
    await f.release();
    expect(cache.canReach('a', 'b')).toBe(false);
  });

  it('forgets a pair at once on invalidation, and does not cache a lookup that raced with it', async () => {
    const f = fakeRelationships();
    f.answers.set('a>b', true);
    const cache = new ReachCache(f.relationships, store, () => 0);
    const racing = cache.canReach('a', 'b');
    cache.invalidate('b', 'a');
    await f.release();
    expect(await racing).toBe(true);
    // Not cached: the next use looks up again.
    expect(cache.canReach('a', 'b')).toBeInstanceOf(Promise);
    await f.release();
    expect(cache.canReach('a', 'b')).toBe(true);
    cache.invalidate('a', 'b');
    expect(cache.canReach('a', 'b')).toBeInstanceOf(Promise);
    await f.release();
  });
});

describe('ReachCache with a per-connection memo', () => {
  it('answers from the memo, and an invalidated or removed pair is looked up again at once', async () => {
    const f = fakeRelationships();
    f.answers.set('a>b', true);
    f.answers.set('a>c', true);
    const cache = new ReachCache(f.relationships, {} as Store, () => 0);
    const memo: ReachMemo = { toUser: '', entry: null };
    const first = cache.canReach('a', 'b', memo);
    await f.release();
    expect(await first).toBe(true);
    expect(cache.canReach('a', 'b', memo)).toBe(true);
    expect(memo.toUser).toBe('b');
    expect(cache.canReach('a', 'b', memo)).toBe(true);
    expect(f.lookups()).toBe(1);
    // Contact removed or blocked: the memo must not keep the old answer for even one signal.
    f.answers.set('a>b', false);
    cache.invalidate('b', 'a');
    const again = cache.canReach('a', 'b', memo);
    expect(again).toBeInstanceOf(Promise);
    await f.release();
    expect(await again).toBe(false);
    expect(cache.canReach('a', 'b', memo)).toBe(false);
    // Another recipient replaces the memo rather than borrowing its answer.
    const c = cache.canReach('a', 'c', memo);
    expect(c).toBeInstanceOf(Promise);
    await f.release();
    expect(cache.canReach('a', 'c', memo)).toBe(true);
    expect(cache.canReach('a', 'b', memo)).toBe(false);
  });
});
