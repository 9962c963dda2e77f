import { createHmac } from 'node:crypto';

/** Input of {@link mintTurnCredentials}. */
export interface MintTurnCredentialsOptions {
  /** The shared secret coturn knows as `static-auth-secret` (the newest one during a rollover). */
  secret: string;
  /** Who the credential is for; logged by coturn. Must not contain ':' (it separates the expiry). */
  user: string;
  /** Lifetime in seconds; coturn refuses the username once `expiry` has passed. */
  ttlSeconds: number;
  /** Current time, epoch milliseconds (injected so tests need no sleeping). Default `Date.now()`. */
  now?: number;
  /** TURN URIs the credential is good for, passed through to the answer. */
  uris: readonly string[];
}

/** A TURN REST credential, shaped like an RTCIceServer plus its lifetime. */
export interface TurnCredentials {
  /** `expiry:user`, expiry in epoch seconds. */
  username: string;
  /** base64(HMAC-SHA1(secret, username)). */
  credential: string;
  /** Seconds the credential stays valid. */
  ttl: number;
  uris: string[];
}

/**
 * Mint a time-limited TURN credential per the TURN REST API draft (draft-uberti-behave-turn-rest)
 * as coturn implements it with `use-auth-secret`: username `expiry:user`, password
 * base64(HMAC-SHA1(secret, username)). coturn recomputes the password from the username, so no
 * state is shared beyond the secret.
 *
 * @example
 * const c = mintTurnCredentials({ secret, user: 'u_123', ttlSeconds: 600, uris: ['turn:turn.example.com:3478'] });
 * new RTCPeerConnection({ iceServers: [{ urls: c.uris, username: c.username, credential: c.credential }] });
 */
export function mintTurnCredentials(options: MintTurnCredentialsOptions): TurnCredentials {
  const { secret, user, ttlSeconds } = options;
  if (!secret) throw new TypeError('secret is required');
  if (!user || user.includes(':')) throw new TypeError("user must be non-empty and must not contain ':'");
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0)
    throw new TypeError('ttlSeconds must be a positive integer');
  const expiry = Math.floor((options.now ?? Date.now()) / 1000) + ttlSeconds;
  const username = `${expiry}:${user}`;
  return {
    username,
    credential: turnRestPassword(secret, username),
    ttl: ttlSeconds,
    uris: [...options.uris],
  };
}

/**
 * The password coturn expects for `username` under `secret`.
 *
 * @example
 * turnRestPassword('hypersend-test-vector-secret-0123456789abcdef', '1700000000:alice');
 * // 'us6oUmSgs9MAJp7aeFqH5wUWpeM='
 */
export function turnRestPassword(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username, 'utf8').digest('base64');
}
