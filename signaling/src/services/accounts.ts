import { randomBytes } from 'node:crypto';
import type {
  LoginRequest,
  RegisterRequest,
  RegisterResponse,
  TokenResponse,
  UserInfo,
} from '@hypersend/protocol';
import type { Logger } from 'pino';
import type { AccessTokens } from '../auth/access-tokens.ts';
import type { PasswordHasher } from '../auth/passwords.ts';
import type { RateLimiter } from '../auth/rate-limiter.ts';
import type { RefreshTokens } from '../auth/refresh-tokens.ts';
import type { Clock } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import { MetricName } from '../metric-names.ts';
import type { Metrics } from '../metrics.ts';
import { type Store, StoreConflictError } from '../store/store.ts';

/** Registration, login, refresh, logout and profile: the account rules above the store. */
export interface Accounts {
  register(req: RegisterRequest): Promise<RegisterResponse>;
  /** `ip` feeds the per-IP limiter. Unknown user and wrong password fail identically. */
  login(req: LoginRequest, ip: string): Promise<TokenResponse>;
  refresh(refreshToken: string): Promise<TokenResponse>;
  logout(refreshToken: string): Promise<void>;
  me(userId: string): Promise<UserInfo>;
}

/**
 * @example
 * const accounts = createAccounts({ store, passwords, access, refresh, clock, log, metrics, limits });
 * await accounts.register({ username: 'alice', password: 'long enough' });
 */
export function createAccounts(deps: {
  store: Store;
  passwords: PasswordHasher;
  access: AccessTokens;
  refresh: RefreshTokens;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  limits: { perAccount: RateLimiter; perIp: RateLimiter };
}): Accounts {
  const { store, passwords, access, refresh, clock, log, metrics, limits } = deps;

  const tokensFor = async (userId: string, refreshToken: string): Promise<TokenResponse> => {
    const { token, expiresIn } = await access.issue(userId);
    return { userId, accessToken: token, refreshToken, expiresIn };
  };

  return {
    async register(req) {
      const username = req.username.toLowerCase();
      // Cheap existence check first so a taken name does not cost a hash; the store's unique
      // constraint still decides races.
      if (await store.getUserByUsername(username)) throw HttpError.conflict('username is taken');
      const passwordHash = await passwords.hash(req.password);
      const userId = `u_${randomBytes(12).toString('base64url')}`;
      try {
        await store.createUser({
          id: userId,
          username,
          displayName: req.displayName ?? username,
          passwordHash,
          createdAt: clock.now(),
        });
      } catch (err) {
        if (err instanceof StoreConflictError) throw HttpError.conflict('username is taken');
        throw err;
      }
      log.info({ userId, username }, 'user registered');
      return { userId, username };
    },

    async login(req, ip) {
      const username = req.username.toLowerCase();
      const byIp = limits.perIp.hit(ip);
      if (!byIp.allowed) {
        metrics.inc(MetricName.loginRateLimited, { scope: 'ip' });
        throw HttpError.rateLimited(byIp.retryAfterSeconds, 'login_rate_ip');
      }
      // Counted before verifying (and forgiven on success) so parallel guesses cannot slip
      // past the limit while hashes are still running. Keyed by the name as typed, existing or not,
      // so the limiter's answer does not reveal existence either.
      const byAccount = limits.perAccount.hit(username);
      if (!byAccount.allowed) {
        metrics.inc(MetricName.loginRateLimited, { scope: 'account' });
        throw HttpError.rateLimited(byAccount.retryAfterSeconds, 'login_rate_account');
      }
      const user = await store.getUserByUsername(username);
      const ok =
        user?.passwordHash != null
          ? await passwords.verify(user.passwordHash, req.password)
          : await passwords.verifyDummy(req.password);
      if (!user || !ok) {
        throw HttpError.unauthorized(user ? 'bad_password' : 'unknown_user', 'invalid username or password');
      }
      limits.perAccount.reset(username);
      log.info({ userId: user.id }, 'login');
      return tokensFor(user.id, await refresh.issue(user.id));
    },

    async refresh(refreshToken) {
      const rotated = await refresh.rotate(refreshToken);
      const user = await store.getUserById(rotated.userId);
      if (!user) throw HttpError.unauthorized('refresh_user_gone', 'invalid refresh token');
      return tokensFor(user.id, rotated.refreshToken);
    },

    async logout(refreshToken) {
      await refresh.revoke(refreshToken);
    },

    async me(userId) {
      const user = await store.getUserById(userId);
      if (!user) throw HttpError.unauthorized('user_gone');
      return { userId: user.id, username: user.username, displayName: user.displayName };
    },
  };
}
