import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  type JSONWebKeySet,
  type JWK,
  jwtVerify,
  SignJWT,
} from 'jose';
import type { Logger } from 'pino';
import { ConfigError, type SignalingConfig } from '../config.ts';
import type { AccessClaims, Clock } from '../context.ts';
import { HttpError } from '../http/errors.ts';

/** Issues and verifies Hypersend access tokens (EdDSA JWTs) and publishes the JWKS. */
export interface AccessTokens {
  /** Key id of the current signing key. */
  readonly keyId: string;
  /** True when the key was generated at start-up (development without HYPERSEND_JWT_PRIVATE_KEY). */
  readonly ephemeral: boolean;
  issue(userId: string): Promise<{ token: string; expiresIn: number; claims: AccessClaims }>;
  /** Rejects with `HttpError` (401) for anything but a valid token of ours. */
  verify(token: string): Promise<AccessClaims>;
  /** Public keys: current first, then `config.jwt.previousPublicJwks`. */
  jwks(): JSONWebKeySet;
  /** The `iss` of our tokens. */
  issuer(): string;
}

const ALG = 'EdDSA';

/**
 * Load the signing key from config or, in development without one, generate an ephemeral key
 * (tokens then die with the process; a warning says so).
 *
 * @example
 * const tokens = await createAccessTokens({ config, log, clock, issuer: () => 'https://hs.example' });
 * const { token } = await tokens.issue('u_123');
 * (await tokens.verify(token)).userId; // 'u_123'
 */
export async function createAccessTokens(options: {
  config: SignalingConfig;
  log: Logger;
  clock: Clock;
  issuer: () => string;
}): Promise<AccessTokens> {
  const { config, log, clock } = options;
  let privateKey: KeyObject;
  let ephemeral = false;
  if (config.jwt.privateKeyPem) {
    try {
      privateKey = createPrivateKey(config.jwt.privateKeyPem);
    } catch (cause) {
      throw new ConfigError('HYPERSEND_JWT_PRIVATE_KEY', `not a readable PKCS#8 PEM (${String(cause)})`);
    }
    if (privateKey.asymmetricKeyType !== 'ed25519')
      throw new ConfigError('HYPERSEND_JWT_PRIVATE_KEY', 'expected an Ed25519 key');
  } else {
    // config.ts already refuses production without a key; this is development only.
    privateKey = generateKeyPairSync('ed25519').privateKey;
    ephemeral = true;
    log.warn(
      'no HYPERSEND_JWT_PRIVATE_KEY: using an ephemeral Ed25519 signing key; tokens stop working on restart',
    );
  }
  const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK;
  const keyId = config.jwt.keyId ?? (await calculateJwkThumbprint(publicJwk));
  const current: JWK = { kty: 'OKP', crv: 'Ed25519', x: publicJwk.x!, kid: keyId, alg: ALG, use: 'sig' };
  const previous = config.jwt.previousPublicJwks.map((k, i) => publicOnly(k, i));
  const jwks: JSONWebKeySet = { keys: [current, ...previous] };
  const keySet = createLocalJWKSet(jwks);
  const ttl = config.jwt.accessTtlSeconds;

  return {
    keyId,
    ephemeral,
    issuer: options.issuer,
    jwks: () => structuredClone(jwks),
    async issue(userId) {
      const iat = Math.floor(clock.now() / 1000);
      const jti = randomBytes(16).toString('base64url');
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: ALG, kid: keyId, typ: 'JWT' })
        .setIssuer(options.issuer())
        .setAudience(config.jwt.audience)
        .setSubject(userId)
        .setJti(jti)
        .setIssuedAt(iat)
        .setExpirationTime(iat + ttl)
        .sign(privateKey);
      return {
        token,
        expiresIn: ttl,
        claims: { userId, tokenId: jti, expiresAt: iat + ttl, source: 'hypersend' },
      };
    },
    async verify(token) {
      let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
      try {
        ({ payload } = await jwtVerify(token, keySet, {
          // Pinned: `alg: none`, HS256-with-the-public-key and anything else are refused by jose.
          algorithms: [ALG],
          issuer: options.issuer(),
          audience: config.jwt.audience,
          requiredClaims: ['sub', 'jti', 'exp', 'iat'],
          // Our tokens never live longer than 15 minutes; an older `iat` is not ours.
          maxTokenAge: ttl + 5,
          clockTolerance: 5,
          currentDate: new Date(clock.now()),
        }));
      } catch (cause) {
        throw HttpError.unauthorized(reasonOf(cause), 'invalid or expired access token', cause);
      }
      return { userId: payload.sub!, tokenId: payload.jti!, expiresAt: payload.exp!, source: 'hypersend' };
    },
  };
}

/** Metric label for a jose verification failure. */
export function reasonOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ERR_JWT_EXPIRED') return 'expired';
  if (code === 'ERR_JWKS_NO_MATCHING_KEY') return 'unknown_key';
  if (code === 'ERR_JOSE_ALG_NOT_ALLOWED') return 'bad_algorithm';
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') return 'bad_claims';
  if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') return 'bad_signature';
  return 'invalid_token';
}

/** Keep only the public members of a configured previous key: a pasted private JWK must not leak `d`. */
function publicOnly(value: unknown, index: number): JWK {
  const k = value as Partial<Record<string, unknown>> | null;
  if (k?.kty !== 'OKP' || k.crv !== 'Ed25519' || typeof k.x !== 'string' || typeof k.kid !== 'string')
    throw new ConfigError(
      'HYPERSEND_JWT_PREVIOUS_PUBLIC_KEYS',
      `entry ${index}: expected an Ed25519 public JWK with kty, crv, x and kid`,
    );
  return { kty: 'OKP', crv: 'Ed25519', x: k.x, kid: k.kid, alg: ALG, use: 'sig' };
}
