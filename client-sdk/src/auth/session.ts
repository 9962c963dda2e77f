import type { TokenResponse } from '@hypersend/protocol';
import { statusOf } from '../api/http-error.ts';
import type { BearerAuth } from '../api/http-transport.ts';
import { type Clock, type Logger, silentLogger, systemClock, type TimerHandle } from '../api/runtime.ts';
import { HypersendError } from '../errors.ts';
import { Emitter } from '../events.ts';

/** Events of a {@link Session}. */
export type SessionEvents = {
  /** New tokens are in place (after login or a refresh); `expiresAt` is epoch ms. */
  refreshed: { userId: string; expiresAt: number };
  /**
   * The refresh token was rejected (expired, revoked, reused) or the app's token provider gave up:
   * the app must log in again. Tokens are cleared.
   */
  'session-expired': { error: HypersendError };
};

/** Options of {@link Session}. */
export interface SessionOptions {
  /** Exchange a refresh token for new tokens (normally `HttpApi.refresh`). */
  refresh(refreshToken: string): Promise<TokenResponse>;
  clock?: Clock;
  log?: Logger;
  /** Refresh proactively at this fraction of the access token lifetime. Default 0.8. */
  refreshAt?: number;
  /** Spread of the proactive refresh, as a fraction of the lifetime, subtracted at random. Default 0.1. */
  jitter?: number;
  /** Treat the access token as expired this long before its nominal end (clock skew). Default 5 s. */
  skewMs?: number;
  /** Source of randomness in [0, 1); injectable for deterministic tests. */
  random?: () => number;
}

/** An app-supplied token source, for apps with their own login (external JWKS mode). */
export type TokenProvider = () => Promise<string>;

type Mode =
  | { kind: 'none' }
  | { kind: 'tokens'; userId: string; access: string; refresh: string; expiresAt: number }
  | { kind: 'provider'; getToken: TokenProvider };

const RETRY_AFTER_FAILURE_MS = 5_000;

/**
 * The login state of the SDK: holds the access and refresh tokens, refreshes proactively (by
 * default at 80% of the lifetime, minus up to 10% jitter so a fleet of clients does not refresh
 * in lockstep), and on a 401 once. Refreshes are single-flight: every concurrent caller awaits the
 * same request, which matters because refresh tokens are single use and a second concurrent
 * refresh would look like token theft and revoke the whole family. When the server rejects the
 * refresh token the session clears itself and emits `session-expired`.
 *
 * Apps with their own identity provider call {@link useTokenProvider}: the SDK then asks the app
 * for a token before every request (the provider should cache) and once more after a 401.
 *
 * @example
 * const session = new Session({ refresh: (t) => api.refresh(t) });
 * session.on('session-expired', () => showLogin());
 * session.setTokens(await api.login('alice', pw));
 * const authed = api.withAuth(session);
 */
export class Session extends Emitter<SessionEvents> implements BearerAuth {
  private mode: Mode = { kind: 'none' };
  private inFlight: Promise<string> | undefined;
  private timer: TimerHandle | undefined;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly refreshAt: number;
  private readonly jitter: number;
  private readonly skewMs: number;
  private readonly random: () => number;

  constructor(private readonly options: SessionOptions) {
    super();
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? silentLogger;
    this.refreshAt = options.refreshAt ?? 0.8;
    this.jitter = options.jitter ?? 0.1;
    this.skewMs = options.skewMs ?? 5_000;
    this.random = options.random ?? Math.random;
  }

  /** True after login or `useTokenProvider`, until logout or session expiry. */
  get authenticated(): boolean {
    return this.mode.kind !== 'none';
  }

  /** User id of the token pair, when the session holds one (not in provider mode). */
  get userId(): string | undefined {
    return this.mode.kind === 'tokens' ? this.mode.userId : undefined;
  }

  /** Epoch ms at which the current access token expires (token mode only). */
  get expiresAt(): number | undefined {
    return this.mode.kind === 'tokens' ? this.mode.expiresAt : undefined;
  }

  /** The refresh token, for logout (token mode only). */
  get refreshToken(): string | undefined {
    return this.mode.kind === 'tokens' ? this.mode.refresh : undefined;
  }

  /**
   * Install a token pair (from login or refresh) and schedule the proactive refresh.
   *
   * @example
   * session.setTokens(await api.login('alice', pw));
   */
  setTokens(tokens: TokenResponse): void {
    const lifetimeMs = tokens.expiresIn * 1000;
    const now = this.clock.now();
    this.mode = {
      kind: 'tokens',
      userId: tokens.userId,
      access: tokens.accessToken,
      refresh: tokens.refreshToken,
      expiresAt: now + lifetimeMs,
    };
    const fraction = Math.max(0, this.refreshAt - this.jitter * this.random());
    this.schedule(lifetimeMs * fraction);
    this.emit('refreshed', { userId: tokens.userId, expiresAt: now + lifetimeMs });
  }

  /**
   * Use the app's own token source instead of SDK-managed tokens (external JWKS mode).
   *
   * @example
   * session.useTokenProvider(async () => (await myIdp.getSession()).accessToken);
   */
  useTokenProvider(getToken: TokenProvider): void {
    this.cancelTimer();
    this.mode = { kind: 'provider', getToken };
  }

  /**
   * A valid access token: the current one, or a refreshed one when it is (nearly) expired.
   *
   * @example
   * headers.authorization = `Bearer ${await session.token()}`;
   * @throws HypersendError `not_authenticated` before login; `session_expired` when refresh is refused.
   */
  async token(): Promise<string> {
    const mode = this.mode;
    switch (mode.kind) {
      case 'none':
        throw new HypersendError('not_authenticated', 'log in first');
      case 'provider':
        return mode.getToken();
      case 'tokens':
        if (this.clock.now() < mode.expiresAt - this.skewMs) return mode.access;
        return this.refresh();
    }
  }

  /**
   * Called after the server refused `token` with 401: answers a fresher token to retry once, or
   * undefined when there is none. A token that is already stale (someone else refreshed in the
   * meantime) is answered with the current one without another refresh.
   *
   * @example
   * const retry = await session.rejected(usedToken);
   */
  async rejected(token: string): Promise<string | undefined> {
    const mode = this.mode;
    if (mode.kind === 'provider') {
      const next = await mode.getToken();
      return next === token ? undefined : next;
    }
    if (mode.kind === 'none') return undefined;
    if (mode.access !== token) return mode.access;
    try {
      return await this.refresh();
    } catch {
      return undefined;
    }
  }

  /**
   * Refresh now (single-flight: concurrent callers share one request). In provider mode asks the
   * provider again.
   *
   * @example
   * const fresh = await session.refresh();
   * @throws HypersendError `session_expired` when the server rejects the refresh token;
   *   `network`/`timeout` when it cannot be reached (tokens are kept; a later call retries).
   */
  refresh(): Promise<string> {
    const mode = this.mode;
    if (mode.kind === 'provider') return mode.getToken();
    if (mode.kind === 'none') return Promise.reject(new HypersendError('not_authenticated', 'log in first'));
    this.inFlight ??= this.doRefresh(mode.refresh).finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /**
   * Forget the tokens and stop the refresh timer (logout, or the app shutting down).
   *
   * @example
   * session.clear();
   */
  clear(): void {
    this.cancelTimer();
    this.mode = { kind: 'none' };
  }

  /** Stop timers without forgetting the tokens (the client is closing). */
  close(): void {
    this.cancelTimer();
  }

  private async doRefresh(refreshToken: string): Promise<string> {
    let tokens: TokenResponse;
    try {
      tokens = await this.options.refresh(refreshToken);
    } catch (err) {
      // Another refresh (or logout) may have replaced the tokens while this one was in flight.
      if (this.mode.kind !== 'tokens' || this.mode.refresh !== refreshToken) throw err;
      const status = statusOf(err);
      if (status === 401 || status === 400) {
        const error = new HypersendError('session_expired', 'session expired: log in again', { cause: err });
        this.log.warn({ code: HypersendError.is(err) ? err.code : 'unknown' }, 'refresh token rejected');
        this.clear();
        this.emit('session-expired', { error });
        throw error;
      }
      // Transient (network, 5xx, 429): keep the tokens and try again a little later.
      this.log.warn(
        { code: HypersendError.is(err) ? err.code : 'unknown' },
        'token refresh failed; retrying',
      );
      this.schedule(RETRY_AFTER_FAILURE_MS * (0.5 + this.random()));
      throw err;
    }
    if (this.mode.kind !== 'tokens' || this.mode.refresh !== refreshToken) {
      // Logged out (or logged in again) while refreshing: do not resurrect the old session.
      return this.mode.kind === 'tokens' ? this.mode.access : tokens.accessToken;
    }
    this.log.debug({ expiresIn: tokens.expiresIn }, 'access token refreshed');
    this.setTokens(tokens);
    return tokens.accessToken;
  }

  private schedule(delayMs: number): void {
    this.cancelTimer();
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      // Failures are already logged and rescheduled (or surfaced as session-expired).
      this.refresh().catch(() => {});
    }, delayMs);
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
