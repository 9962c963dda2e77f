import type { ServerContext } from '../context.ts';
import type { Connection } from './connection.ts';

/**
 * May `conn`'s user reach `toUser`? Answers from the connection's 5 s cache when it can
 * (synchronously, the hot path) and otherwise asks `ctx.relationships` and caches the answer,
 * negative ones included, so a flood to strangers costs one lookup per 5 s.
 * A user's own devices may always reach each other.
 *
 * @example
 * const r = canReachCached(ctx, conn, 'u2');
 * const ok = typeof r === 'boolean' ? r : await r;
 */
export function canReachCached(
  ctx: ServerContext,
  conn: Connection,
  toUser: string,
): boolean | Promise<boolean> {
  if (toUser === conn.userId) return true;
  const now = ctx.clock.now();
  const cached = conn.reach.get(toUser, now);
  if (cached !== undefined) return cached;
  return ctx.relationships.canReach(conn.userId, toUser).then(
    (ok) => conn.reach.set(toUser, ok, ctx.clock.now()),
    (err: unknown) => {
      // Fail closed, uncached: a store hiccup must not open a path, nor stick for 5 s.
      ctx.log.warn({ err, user: conn.userId }, 'relationship lookup failed');
      return false;
    },
  );
}

/**
 * Is `deviceKey` a registered device? Only asked when a signal could not be delivered, to tell
 * `peer_offline` (a real device of a contact) from `not_reachable`. Cached per connection.
 */
export function deviceExistsCached(
  ctx: ServerContext,
  conn: Connection,
  userId: string,
  deviceId: string,
  key: string,
): boolean | Promise<boolean> {
  const cached = conn.devices.get(key, ctx.clock.now());
  if (cached !== undefined) return cached;
  return ctx.store.getDevice(userId, deviceId).then(
    (device) => conn.devices.set(key, device !== null, ctx.clock.now()),
    (err: unknown) => {
      ctx.log.warn({ err, user: conn.userId }, 'device lookup failed');
      return false;
    },
  );
}
