/**
 * A small expiring map for answers that are expensive to get (store and relationship lookups)
 * but may go stale for a few seconds. Entries are mutated in place on refresh, and expired
 * entries are swept when the map grows past `maxEntries`, so it stays bounded. With `jitter`
 * (0..1) each entry lives a random `ttlMs * (1 - jitter)` to `ttlMs`, so entries filled in one
 * burst (10,000 clients connecting together) do not all expire, and hit the store, together.
 * An entry removed from the map (deleted, evicted, cleared) is also marked expired, so a caller
 * that kept a reference from `entry` sees it as expired at once, never as a live answer.
 *
 * @example
 * const reach = new TtlCache<boolean>(5_000, 1_024);
 * const ok = reach.get('u2', now) ?? reach.set('u2', await canReach('u1', 'u2'), now);
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly jitter = 0,
  ) {}

  /** The cached value, or undefined when absent or expired at `now`. */
  get(key: string, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.until <= now) return undefined;
    return entry.value;
  }

  /** The live entry (value and expiry) or undefined; for callers that refresh ahead of expiry. */
  entry(key: string, now: number): { readonly value: V; readonly until: number } | undefined {
    const entry = this.entries.get(key);
    return entry === undefined || entry.until <= now ? undefined : entry;
  }

  /** Store `value` until `now + ttlMs`; returns `value` for chaining. */
  set(key: string, value: V, now: number): V {
    const until = now + (this.jitter > 0 ? this.ttlMs * (1 - this.jitter * Math.random()) : this.ttlMs);
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      entry.value = value;
      entry.until = until;
      return value;
    }
    if (this.entries.size >= this.maxEntries) this.sweep(now);
    this.entries.set(key, { value, until });
    return value;
  }

  /** Forget one key (its answer changed). */
  delete(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    entry.until = Number.NEGATIVE_INFINITY;
    this.entries.delete(key);
  }

  /** Entries held, expired ones not yet swept included. */
  get size(): number {
    return this.entries.size;
  }

  /** Forget everything (e.g. when relationships change). */
  clear(): void {
    for (const entry of this.entries.values()) entry.until = Number.NEGATIVE_INFINITY;
    this.entries.clear();
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.entries) if (entry.until <= now) this.entries.delete(key);
    // Still full of live entries: drop the oldest insertion rather than grow without bound.
    if (this.entries.size >= this.maxEntries) {
      const first = this.entries.keys().next();
      if (!first.done) this.delete(first.value);
    }
  }
}
