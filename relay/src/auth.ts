import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose';

/** Checks a signaling access token and names its user. */
export interface TokenVerifier {
  /** The verified `sub`, or undefined for a missing, malformed, forged, expired or foreign token. */
  verify(authorization: string | undefined): Promise<string | undefined>;
}

/** Signaling's key set could not be fetched: the relay answers 503, the client retries. */
export class KeysUnavailableError extends Error {
  readonly code = 'unavailable';
  constructor(cause: unknown) {
    super('signing keys unavailable', { cause });
    this.name = 'KeysUnavailableError';
  }
}

/** The subject must be an id, never something a store could read as an operator or path. */
const SUBJECT = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Verify bearer tokens against signaling's JWKS. The algorithm is pinned to EdDSA (what signaling
 * signs with), so `none`, HMAC-with-the-public-key and algorithm-confusion tokens fail; issuer and
 * audience are required so a token minted for another service is refused. jose caches the key set
 * and refetches it when it meets an unknown `kid` (key rotation), at most every 30 s.
 *
 * @example
 * const tokens = createTokenVerifier({ jwksUrl, issuer, audience: 'hypersend' });
 * const userId = await tokens.verify(req.headers.authorization);
 */
export function createTokenVerifier(options: {
  jwksUrl: string;
  issuer: string;
  audience: string;
}): TokenVerifier {
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: 30_000 });
  return {
    async verify(authorization) {
      const match = /^Bearer ([A-Za-z0-9_.-]{1,4096})$/.exec(authorization ?? '');
      if (!match?.[1]) return undefined;
      try {
        const { payload } = await jwtVerify(match[1], jwks, {
          algorithms: ['EdDSA'],
          issuer: options.issuer,
          audience: options.audience,
        });
        return typeof payload.sub === 'string' && SUBJECT.test(payload.sub) ? payload.sub : undefined;
      } catch (err) {
        // A JWKS that cannot be fetched or parsed is our outage, not a bad token: the caller
        // answers 503 so clients retry instead of dropping their credentials.
        if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid)
          throw new KeysUnavailableError(err);
        if (err instanceof joseErrors.JOSEError) return undefined;
        throw new KeysUnavailableError(err);
      }
    },
  };
}
