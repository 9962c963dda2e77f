import { describe, expect, it } from 'vitest';
import { ConfigError, ENV, loadRelayConfig } from './config.ts';

describe('relay config', () => {
  it('has defaults for development: 64 GiB objects, 7 day objects, 24 h incomplete uploads', () => {
    const c = loadRelayConfig({});
    expect(c.limits.maxObjectBytes).toBe(64 * 1024 ** 3);
    expect(c.limits.objectTtlMs).toBe(7 * 86_400_000);
    expect(c.limits.incompleteTtlMs).toBe(86_400_000);
    expect(c.jwt).toEqual({
      jwksUrl: 'http://127.0.0.1:8080/v1/jwks.json',
      issuer: 'http://127.0.0.1:8080',
      audience: 'hypersend',
    });
    expect(c.mongo).toBeUndefined();
    expect(c.s3).toBeUndefined();
  });

  it('requires the JWKS URL and issuer in production', () => {
    expect(() => loadRelayConfig({ HYPERSEND_ENV: 'production' })).toThrow(ConfigError);
    expect(() =>
      loadRelayConfig({ HYPERSEND_ENV: 'production', RELAY_JWKS_URL: 'https://s.example/v1/jwks.json' }),
    ).toThrow(/RELAY_JWT_ISSUER/);
    const c = loadRelayConfig({
      HYPERSEND_ENV: 'production',
      RELAY_JWKS_URL: 'https://s.example/v1/jwks.json',
      RELAY_JWT_ISSUER: 'https://s.example',
    });
    expect(c.mode).toBe('production');
  });

  it('names the bad variable', () => {
    expect(() => loadRelayConfig({ RELAY_MAX_OBJECT_BYTES: 'lots' })).toThrow(/^RELAY_MAX_OBJECT_BYTES/);
    expect(() => loadRelayConfig({ MONGODB_URI: 'postgres://x' })).toThrow(/^MONGODB_URI/);
    expect(() => loadRelayConfig({ RELAY_S3_BUCKET: 'b', RELAY_S3_ACCESS_KEY_ID: 'k' })).toThrow(
      /RELAY_S3_SECRET_ACCESS_KEY/,
    );
  });

  it('reads S3 and MongoDB settings', () => {
    const c = loadRelayConfig({
      RELAY_S3_BUCKET: 'relay',
      RELAY_S3_ENDPOINT: 'http://127.0.0.1:9000',
      RELAY_S3_ACCESS_KEY_ID: 'k',
      RELAY_S3_SECRET_ACCESS_KEY: 's',
      MONGODB_URI: 'mongodb://127.0.0.1:27017',
    });
    expect(c.s3).toEqual({
      bucket: 'relay',
      endpoint: 'http://127.0.0.1:9000',
      region: 'us-east-1',
      credentials: { accessKeyId: 'k', secretAccessKey: 's' },
    });
    expect(c.mongo).toEqual({ uri: 'mongodb://127.0.0.1:27017', db: 'hypersend' });
  });

  it('documents every variable it reads', () => {
    expect(Object.keys(ENV)).toEqual(
      expect.arrayContaining(['RELAY_JWKS_URL', 'RELAY_SWEEP_INTERVAL', 'RELAY_S3_BUCKET']),
    );
  });
});
