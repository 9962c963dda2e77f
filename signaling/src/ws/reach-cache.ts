import type { Relationships } from '../context.ts';
import type { Store } from '../store/store.ts';
import { TtlCache } from './ttl-cache.ts';

/**
 * Relationship answers live this long at most. Changes made through this process's contact
 * service invalidate their pair at once (`invalidate`); the TTL only bounds how long a change
 * made elsewhere (another signaling node on a shared store) can go unnoticed.
 */
export const REACH_TTL_MS = 30_000;
/** Device-existence answers only tell `peer_offline` from `not_reachable`; short is fine. */
export const DEVICE_TTL_MS = 5_000;
/** Each entry lives 70-100 % of its TTL, so a burst of fills does not expire in one burst. */
export const CACHE_JITTER = 0.3;
/**
 * A relationship answer used within this long of its expiry is looked up again in the
 * background while the cached answer keeps serving, so pairs that keep signalling never wait
 * for the store on the hot path (a blocking lookup there is a latency spike for that signal and
 * everything queued behind it).
 */
export const REFRESH_AHEAD_MS = 10_000;
/** Bounds the memory of each map (an entry is ~100 bytes): beyond it the oldest are dropped. */
export const MAX_CACHE_ENTRIES = 1 << 20;

/**
 * One connection's last relationship answer, kept by the caller (per connection, so the sender
 * is implied) to skip building the pair key and hashing it on every signal. It holds the cache's
 * own entry: an invalidated or evicted entry reads as expired at once (`TtlCache`), so the memo
 * can never outlive a removed contact or a block.
 */
export interface ReachMemo {
  toUser: string;
  entry: { readonly value: boolean; readonly until: number } | null;
}

/** Key of a directed pair; `\n` cannot occur in an Id, so the key is unambiguous. */
const pairKey = (from: string, to: string): string => `${from}\n${to}`;

/**
 * Who may reach whom, and which devices exist, cached for every connection of the gateway
 * together (keyed by user pair / device), so 10,000 connections of 5,000 contact pairs cost
 * 10,000 lookups per TTL, not one per connection every 5 s. Negative answers are cached too,
 * so a flood to strangers costs one lookup per TTL.
 *
 * A lookup still in flight when its pair is invalidated is answered but not cached: the answer
 * may predate the change.
 *
 * @example
 * const reach = new ReachCache(ctx.relationships, ctx.store);
 * const ok = reach.canReach('u1', 'u2', now); // boolean when cached, else a Promise
 * contacts.onChange((a, b) => reach.invalidate(a, b));
 */
export class ReachCache {
  private readonly reach = new TtlCache<boolean>(REACH_TTL_MS, MAX_CACHE_ENTRIES, CACHE_JITTER);
  private readonly devices = new TtlCache<boolean>(DEVICE_TTL_MS, MAX_CACHE_ENTRIES, CACHE_JITTER);
  /** Bumped by every invalidation; a lookup caches its answer only if it did not move. */
  private generation = 0;
  /**
   * Entries being refreshed in the background, so a busy pair triggers one lookup, not one per
   * signal. A refresh that lands updates the same entry object (`TtlCache.set`).
   */
  private readonly refreshing = new Set<object>();

  constructor(
    private readonly relationships: Relationships,
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  /**
   * The cached answer, or a lookup that caches it. Rejects when the lookup fails (uncached).
   * `memo`, when given, must belong to one sender (`fromUser`): it is read first and updated.
   */
  canReach(fromUser: string, toUser: string, memo?: ReachMemo): boolean | Promise<boolean> {
    const now = this.now();
    let cached = memo !== undefined && memo.toUser === toUser ? memo.entry : null;
    if (cached === null || cached.until <= now) {
      const key = pairKey(fromUser, toUser);
      cached = this.reach.entry(key, now) ?? null;
      if (cached === null) return this.lookup(key, fromUser, toUser);
      if (memo !== undefined) {
        memo.toUser = toUser;
        memo.entry = cached;
      }
    }
    if (cached.until - now < REFRESH_AHEAD_MS && !this.refreshing.has(cached))
      this.refresh(cached, fromUser, toUser);
    return cached.value;
  }

  private lookup(key: string, fromUser: string, toUser: string): Promise<boolean> {
    const generation = this.generation;
    return this.relationships.canReach(fromUser, toUser).then((ok) => {
      if (generation === this.generation) this.reach.set(key, ok, this.now());
      return ok;
    });
  }

  private refresh(entry: object, fromUser: string, toUser: string): void {
    this.refreshing.add(entry);
    this.lookup(pairKey(fromUser, toUser), fromUser, toUser).then(
      () => this.refreshing.delete(entry),
      () => {
        // The entry simply expires; the next use looks it up (and logs) on the request path.
        this.refreshing.delete(entry);
      },
    );
  }

  /** Is this a registered device? Rejects when the lookup fails (uncached). */
  deviceExists(userId: string, deviceId: string, key: string): boolean | Promise<boolean> {
    const cached = this.devices.get(key, this.now());
    if (cached !== undefined) return cached;
    return this.store
      .getDevice(userId, deviceId)
      .then((device) => this.devices.set(key, device !== null, this.now()));
  }

  /** The relationship between `a` and `b` changed: forget both directions now. */
  invalidate(a: string, b: string): void {
    this.generation += 1;
    this.reach.delete(pairKey(a, b));
    this.reach.delete(pairKey(b, a));
  }
}
