import type { ConsumeResult, RefreshTokenRecord } from './store.ts';

/**
 * Refresh tokens stay this long after expiry before they are purged, so a late replay is still
 * reported as `expired`/`reused` rather than `missing`. Both stores use the same grace.
 */
export const REFRESH_TOKEN_RETENTION_MS = 24 * 3600_000;

/** How often a store without a TTL mechanism deletes refresh tokens past retention. */
export const PURGE_INTERVAL_MS = 3600_000;

/**
 * Why a stored token cannot be consumed at `now`, or null when it can. One order for both
 * stores: a revoked token is reported as revoked even if it was also used (the family is already
 * dead), and a used token as reused even once expired (a replay is the signal worth acting on).
 * A token is expired from `expiresAt` on.
 *
 * @example
 * classifyRefreshToken({ ...token, revoked: true }, Date.now()); // { status: 'revoked', token }
 */
export function classifyRefreshToken(
  token: RefreshTokenRecord,
  now: number,
): Exclude<ConsumeResult, { status: 'ok' | 'missing' }> | null {
  if (token.revoked) return { status: 'revoked', token };
  if (token.usedAt !== null) return { status: 'reused', token };
  if (token.expiresAt <= now) return { status: 'expired', token };
  return null;
}
