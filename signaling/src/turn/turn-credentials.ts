import { createHmac } from 'node:crypto';
import { createRateLimiter } from '../auth/rate-limiter.ts';
import type { Clock } from '../context.ts';

/** One entry of `RTCConfiguration.iceServers`, as browsers and `@roamhq/wrtc` take it. */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/** Body of `POST /v1/turn/credentials`. `ttl` seconds; `expiresAt` epoch seconds. */
export interface TurnCredentialsResponse {
  iceServers: IceServer[];
  ttl: number;
  expiresAt: number;
}

/** Outcome of one mint: the ICE servers, or how long this user has to wait. */
export type IssueResult =
  | { ok: true; value: TurnCredentialsResponse }
  | { ok: false; error: { code: 'rate_limited'; retryAfterSeconds: number } };

export interface TurnCredentialIssuerOptions {
  /** coturn `static-auth-secret`s, newest first. Only the first signs; see turn/README.md. */
  secrets: readonly string[];
  /** `stun:`, `turn:` and `turns:` URIs handed to clients. At least one TURN URI. */
  uris: readonly string[];
  /** Credential lifetime, seconds (60-86400). Also bounds how long a secret rollover takes. */
  ttlSeconds: number;
  /** Credentials one user may mint per minute. */
  mintsPerMinute: number;
  clock: Clock;
}

/** Mints TURN REST credentials for authenticated users. */
export interface TurnCredentialIssuer {
  /** `userId` is the verified caller; it becomes the `user` part of `expiry:user`. */
  issue(userId: string): IssueResult;
}

/** Refused issuer options (a deployment mistake, reported at start-up). */
export class TurnIssuerConfigError extends Error {
  readonly code = 'config';
  constructor(message: string) {
    super(message);
    this.name = 'TurnIssuerConfigError';
  }
}

const URI = /^(stun|stuns|turn|turns):[^\s]+$/;

/**
 * Issue short-lived TURN credentials in coturn's `use-auth-secret` scheme: username
 * `expiry:userId`, credential base64(HMAC-SHA1(newest secret, username)). coturn verifies them
 * with nothing but the shared secret, so signaling and coturn share no state. A per-user fixed
 * window limits minting, so a stolen access token cannot farm TURN credentials.
 *
 * @example
 * const turn = createTurnCredentialIssuer({ secrets, uris: ['stun:turn.example.com', 'turn:turn.example.com?transport=udp'],
 *   ttlSeconds: 3600, mintsPerMinute: 10, clock: systemClock });
 * const r = turn.issue(claims.userId);
 * if (r.ok) new RTCPeerConnection({ iceServers: r.value.iceServers });
 */
export function createTurnCredentialIssuer(options: TurnCredentialIssuerOptions): TurnCredentialIssuer {
  const { secrets, ttlSeconds, mintsPerMinute, clock } = options;
  const signing = secrets[0];
  if (!signing) throw new TurnIssuerConfigError('at least one TURN secret is required');
  if (secrets.some((s) => s.length < 32)) throw new TurnIssuerConfigError('TURN secrets need 32+ characters');
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 60 || ttlSeconds > 86_400)
    throw new TurnIssuerConfigError('TURN credential TTL must be 60-86400 seconds');
  if (!Number.isInteger(mintsPerMinute) || mintsPerMinute < 1)
    throw new TurnIssuerConfigError('TURN mints per minute must be a positive integer');
  const bad = options.uris.find((u) => !URI.test(u));
  if (bad !== undefined) throw new TurnIssuerConfigError(`not a STUN/TURN URI: ${bad}`);
  const stunUris = options.uris.filter((u) => u.startsWith('stun'));
  const turnUris = options.uris.filter((u) => u.startsWith('turn'));
  if (turnUris.length === 0) throw new TurnIssuerConfigError('at least one turn: or turns: URI is required');

  const limiter = createRateLimiter({ limit: mintsPerMinute, windowMs: 60_000, now: () => clock.now() });

  return {
    issue(userId) {
      // coturn splits the username at the first ':'; a ':' in the user part would be ambiguous.
      if (!userId || userId.includes(':')) throw new TypeError("userId must be non-empty without ':'");
      const decision = limiter.hit(userId);
      if (!decision.allowed)
        return { ok: false, error: { code: 'rate_limited', retryAfterSeconds: decision.retryAfterSeconds } };
      const expiresAt = Math.floor(clock.now() / 1000) + ttlSeconds;
      const username = `${expiresAt}:${userId}`;
      const credential = createHmac('sha1', signing).update(username, 'utf8').digest('base64');
      const iceServers: IceServer[] = [];
      if (stunUris.length) iceServers.push({ urls: [...stunUris] });
      iceServers.push({ urls: [...turnUris], username, credential });
      return { ok: true, value: { iceServers, ttl: ttlSeconds, expiresAt } };
    },
  };
}
