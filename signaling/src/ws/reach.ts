import type { ServerContext } from '../context.ts';
import type { Connection } from './connection.ts';
import type { ReachCache } from './reach-cache.ts';

/**
 * May `conn`'s user reach `toUser`? Answers from the gateway's shared cache when it can
 * (synchronously, the hot path) and otherwise looks it up. A user's own devices may always
 * reach each other. A failed lookup fails closed and is not cached: a store hiccup must not
 * open a path, nor stick.
 *
 * @example
 * const r = canReachCached(ctx, cache, conn, 'u2');
 * const ok = typeof r === 'boolean' ? r : await r;
 */
export function canReachCached(
  ctx: ServerContext,
  cache: ReachCache,
  conn: Connection,
  toUser: string,
): boolean | Promise<boolean> {
  if (toUser === conn.userId) return true;
  const r = cache.canReach(conn.userId, toUser, conn.reach);
  if (typeof r === 'boolean') return r;
  return r.catch((err: unknown) => {
    ctx.log.warn({ err, user: conn.userId }, 'relationship lookup failed');
    return false;
  });
}

/**
 * Is `deviceKey` a registered device? Only asked when a signal could not be delivered, to tell
 * `peer_offline` (a real device of a contact) from `not_reachable`.
 */
export function deviceExistsCached(
  ctx: ServerContext,
  cache: ReachCache,
  conn: Connection,
  userId: string,
  deviceId: string,
  key: string,
): boolean | Promise<boolean> {
  const r = cache.deviceExists(userId, deviceId, key);
  if (typeof r === 'boolean') return r;
  return r.catch((err: unknown) => {
    ctx.log.warn({ err, user: conn.userId }, 'device lookup failed');
    return false;
  });
}
