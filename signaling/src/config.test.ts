import { describe, expect, it } from 'vitest';
import { ConfigError, ENV, loadConfig } from './config.ts';

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives development defaults on an empty environment', () => {
    const config = loadConfig({});
    expect(config.mode).toBe('development');
    expect(config.port).toBe(8080);
    expect(config.mongo).toBeUndefined();
    expect(config.turn).toBeUndefined();
    expect(config.jwt.accessTtlSeconds).toBeLessThanOrEqual(900);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ HYPERSEND_ENV: 'staging' }, 'HYPERSEND_ENV'],
    [{ HYPERSEND_ACCESS_TOKEN_TTL: '3600' }, 'HYPERSEND_ACCESS_TOKEN_TTL'],
    [{ MONGODB_URI: 'postgres://x' }, 'MONGODB_URI'],
    [{ HYPERSEND_TRUST_PROXY: 'yes' }, 'HYPERSEND_TRUST_PROXY'],
    [{ HYPERSEND_EXTERNAL_JWKS_URL: 'https://idp.example/jwks' }, 'HYPERSEND_EXTERNAL_ISSUER'],
    [
      {
        HYPERSEND_EXTERNAL_JWKS_URL: 'https://idp.example/jwks',
        HYPERSEND_EXTERNAL_ISSUER: 'idp',
        HYPERSEND_EXTERNAL_AUDIENCE: 'app',
        HYPERSEND_EXTERNAL_ALGORITHMS: 'HS256',
      },
      'HYPERSEND_EXTERNAL_ALGORITHMS',
    ],
    [{ HYPERSEND_TURN_SECRETS: 'a'.repeat(40) }, 'HYPERSEND_TURN_URIS'],
    [{ HYPERSEND_TURN_URIS: 'turn:127.0.0.1:3478' }, 'HYPERSEND_TURN_SECRETS'],
    [{ HYPERSEND_ENV: 'production' }, 'HYPERSEND_JWT_PRIVATE_KEY'],
  ])('names the bad variable: %o → %s', (env, variable) => {
    const err = errorOf(env);
    expect(err.variable).toBe(variable);
    expect(err.message.startsWith(`${variable}: `)).toBe(true);
  });

  it('reads TURN settings newest secret first', () => {
    const config = loadConfig({
      HYPERSEND_TURN_SECRETS: `${'n'.repeat(32)}, ${'o'.repeat(32)}`,
      HYPERSEND_TURN_URIS: 'stun:127.0.0.1:3478,turn:127.0.0.1:3478',
      HYPERSEND_TURN_TTL: '600',
    });
    expect(config.turn).toEqual({
      secrets: ['n'.repeat(32), 'o'.repeat(32)],
      uris: ['stun:127.0.0.1:3478', 'turn:127.0.0.1:3478'],
      ttlSeconds: 600,
      mintsPerMinute: 10,
    });
  });

  it('ignores variables it does not document', () => {
    expect(() => loadConfig({ HYPERSEND_NOT_A_SETTING: 'x' })).not.toThrow();
    expect(Object.keys(ENV)).toContain('HYPERSEND_TURN_SECRETS');
  });
});
