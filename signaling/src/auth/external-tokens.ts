import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { Username } from '@hypersend/protocol';
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import type { Logger } from 'pino';
import type { SignalingConfig } from '../config.ts';
import { ConfigError } from '../config.ts';
import type { AccessClaims, Clock } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import { type Store, StoreConflictError } from '../store/store.ts';
import { reasonOf } from './access-tokens.ts';

/** Verifies tokens of an external identity provider and provisions their users. */
export interface ExternalTokens {
  readonly issuer: string;
  verify(token: string): Promise<AccessClaims>;
}

/**
 * Id of the local user behind an external identity. Hashing issuer and subject keeps any `sub`
 * (emails, slashes, `$` operators) out of ids and keeps two providers' subjects apart.
 *
 * @example
 * externalUserId('https://id.example', 'alice@example.com'); // 'x_' + 32 base64url characters
 */
export function externalUserId(issuer: string, subject: string): string {
  const digest = createHash('sha256').update(`${issuer}\n${subject}`, 'utf8').digest();
  return `x_${digest.toString('base64url').slice(0, 32)}`;
}

/** A valid Hypersend username from `preferred_username`, or null when nothing usable remains. */
export function sanitizeUsername(preferred: unknown): string | null {
  if (typeof preferred !== 'string') return null;
  let name = preferred
    .normalize('NFKC')
    .toLowerCase()
    .replace(/@.*$/, '') // an email's local part is the friendlier name
    .replace(/[^a-z0-9_.-]/g, '_')
    .replace(/^[^a-z]+/, '')
    .slice(0, 32);
  if (name.length < 3) return null;
  name = name.slice(0, 32);
  return Username.safeParse(name).success ? name : null;
}

/**
 * @example
 * const external = await createExternalTokens({ config, store, log, clock });
 * if (external) await external.verify(token); // provisions the user on first sight
 */
export async function createExternalTokens(options: {
  config: SignalingConfig;
  store: Store;
  log: Logger;
  clock: Clock;
}): Promise<ExternalTokens | null> {
  const { config, store, log, clock } = options;
  const ext = config.external;
  if (!ext) return null;
  let key: ReturnType<typeof createRemoteJWKSet> | KeyObject;
  if (ext.jwksUrl) {
    key = createRemoteJWKSet(new URL(ext.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000 });
  } else {
    try {
      key = createPublicKey(ext.publicKeyPem!);
    } catch (cause) {
      throw new ConfigError('HYPERSEND_EXTERNAL_PUBLIC_KEY', `not a readable SPKI PEM (${String(cause)})`);
    }
  }
  // Users we already provisioned: skip the store round trip on every request. Bounded.
  const known = new Set<string>();

  const provision = async (payload: JWTPayload, userId: string) => {
    if (known.has(userId)) return;
    const preferred = sanitizeUsername(payload.preferred_username);
    const fallback = `x_${createHash('sha256').update(userId).digest('hex').slice(0, 24)}`;
    const displayName =
      typeof payload.name === 'string' && payload.name.length > 0
        ? payload.name.slice(0, 64)
        : (preferred ?? fallback);
    const record = { id: userId, displayName, passwordHash: null, createdAt: clock.now() };
    try {
      await store.ensureUser({ ...record, username: preferred ?? fallback });
    } catch (err) {
      // The preferred name belongs to someone else: fall back to the id-derived one.
      if (!(err instanceof StoreConflictError) || !preferred) throw err;
      await store.ensureUser({ ...record, username: fallback });
    }
    if (known.size >= 10_000) known.clear();
    known.add(userId);
    log.debug({ userId }, 'external user seen');
  };

  return {
    issuer: ext.issuer,
    async verify(token) {
      let payload: JWTPayload;
      try {
        const verifyOptions = {
          algorithms: ext.algorithms,
          issuer: ext.issuer,
          audience: ext.audience,
          requiredClaims: ['sub', 'exp'],
          clockTolerance: 5,
          currentDate: new Date(clock.now()),
        };
        ({ payload } =
          key instanceof Function
            ? await jwtVerify(token, key, verifyOptions)
            : await jwtVerify(token, key, verifyOptions));
      } catch (cause) {
        throw HttpError.unauthorized(`external_${reasonOf(cause)}`, 'invalid or expired access token', cause);
      }
      const sub = payload.sub!;
      if (sub.length === 0 || sub.length > 255) throw HttpError.unauthorized('external_bad_sub');
      const userId = externalUserId(ext.issuer, sub);
      await provision(payload, userId);
      return {
        userId,
        tokenId:
          typeof payload.jti === 'string' ? payload.jti.slice(0, 64) : `ext-${payload.iat ?? payload.exp}`,
        expiresAt: payload.exp!,
        source: 'external',
      };
    },
  };
}
