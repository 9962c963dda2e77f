import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import type { Store } from '../store/store.ts';

/** Opaque, single-use refresh tokens stored as SHA-256 hashes, rotated in families. */
export interface RefreshTokens {
  /** Start a new family (login). */
  issue(userId: string, familyId?: string): Promise<string>;
  /**
   * Exchange a token for a new one of the same family. Presenting a token that was already used
   * revokes the whole family (it was stolen, or the legitimate client was): both parties must log in.
   */
  rotate(token: string): Promise<{ userId: string; refreshToken: string }>;
  /** Revoke the token's family. Unknown tokens are ignored: logout is idempotent. */
  revoke(token: string): Promise<void>;
}

/** SHA-256 hex of an opaque token: what the store keeps instead of the token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * @example
 * const refresh = createRefreshTokens({ store, clock, log, ttlSeconds: 30 * 86400 });
 * const first = await refresh.issue('u_1');
 * const { refreshToken } = await refresh.rotate(first); // `first` is now spent
 */
export function createRefreshTokens(options: {
  store: Store;
  clock: Clock;
  log: Logger;
  ttlSeconds: number;
}): RefreshTokens {
  const { store, clock, log } = options;
  const issue = async (userId: string, familyId = randomBytes(16).toString('base64url')) => {
    // 32 random bytes: unguessable, so a fast hash (not a password hash) is enough to store it.
    const token = randomBytes(32).toString('base64url');
    const now = clock.now();
    await store.insertRefreshToken({
      tokenHash: hashToken(token),
      familyId,
      userId,
      createdAt: now,
      expiresAt: now + options.ttlSeconds * 1000,
      usedAt: null,
      revoked: false,
    });
    return token;
  };
  return {
    issue,
    async rotate(token) {
      const result = await store.consumeRefreshToken(hashToken(token), clock.now());
      switch (result.status) {
        case 'ok':
          return {
            userId: result.token.userId,
            refreshToken: await issue(result.token.userId, result.token.familyId),
          };
        case 'reused': {
          const revoked = await store.revokeRefreshFamily(result.token.familyId);
          log.warn(
            { userId: result.token.userId, familyId: result.token.familyId, revoked },
            'refresh token reused: family revoked',
          );
          throw HttpError.unauthorized('refresh_reused', 'invalid refresh token');
        }
        case 'revoked':
        case 'expired':
          throw HttpError.unauthorized(`refresh_${result.status}`, 'invalid refresh token');
        case 'missing':
          throw HttpError.unauthorized('refresh_unknown', 'invalid refresh token');
        default:
          return assertNever(result);
      }
    },
    async revoke(token) {
      const result = await store.consumeRefreshToken(hashToken(token), clock.now());
      if (result.status !== 'missing') await store.revokeRefreshFamily(result.token.familyId);
    },
  };
}

function assertNever(value: never): never {
  throw new Error(`unexpected ${JSON.stringify(value)}`);
}
