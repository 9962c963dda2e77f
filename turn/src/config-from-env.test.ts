import { describe, expect, it } from 'vitest';
import { coturnOptionsFromEnv } from './config-from-env.ts';
import { TurnConfigError } from './errors.ts';
import { renderCoturnConfig } from './render-config.ts';

const SECRET = 'b3f1c9a07d5e42e8a6c1f0d9e8b7a6c5d4e3f2a1b0c9d8e7';
const base = { HYPERSEND_TURN_SECRETS: SECRET, TURN_REALM: 'turn.example.net' };

const refusal = (env: Record<string, string>) => {
  try {
    renderCoturnConfig(coturnOptionsFromEnv(env));
  } catch (err) {
    if (err instanceof TurnConfigError) return { code: err.code, option: err.option, message: err.message };
    throw err;
  }
  return undefined;
};

describe('coturnOptionsFromEnv', () => {
  it('maps the variables onto the renderer, with container defaults for state files', () => {
    const conf = renderCoturnConfig(
      coturnOptionsFromEnv({
        ...base,
        TURN_LISTENING_IPS: '203.0.113.7, 198.51.100.9',
        TURN_EXTERNAL_IPS: '203.0.113.7/10.0.0.5',
        TURN_MIN_PORT: '50000',
        TURN_MAX_PORT: '50100',
        TURN_TLS_CERT_FILE: '/tls/fullchain.pem',
        TURN_TLS_KEY_FILE: '/tls/privkey.pem',
        TURN_TLS_PORT: '443',
        TURN_EXTRA_DENIED_PEER_IPS: '192.0.2.10',
        TURN_USER_QUOTA: '4',
      }),
    );
    for (const line of [
      'listening-ip=203.0.113.7',
      'listening-ip=198.51.100.9',
      'external-ip=203.0.113.7/10.0.0.5',
      'min-port=50000',
      'max-port=50100',
      'tls-listening-port=443',
      'cert=/tls/fullchain.pem',
      'denied-peer-ip=192.0.2.10',
      'user-quota=4',
      'pidfile=/tmp/turnserver.pid',
      'userdb=/tmp/turndb',
      'realm=turn.example.net',
      `static-auth-secret=${SECRET}`,
    ])
      expect(conf.split('\n')).toContain(line);
    expect(conf).not.toMatch(/allow-loopback-peers|allowed-peer-ip/);
  });

  it('empty optional variables mean the defaults (compose passes them as empty strings)', () => {
    const conf = renderCoturnConfig(
      coturnOptionsFromEnv({ ...base, TURN_EXTERNAL_IPS: '', TURN_TLS_CERT_FILE: '', TURN_TLS_KEY_FILE: '' }),
    );
    expect(conf).toContain('listening-ip=0.0.0.0');
    expect(conf).toContain('no-tls');
    expect(conf).not.toContain('external-ip=');
  });

  it('names the variable it refuses, never a secret value', () => {
    expect(refusal({ TURN_REALM: 'turn.example.net' })).toMatchObject({ code: 'missing_secret' });
    expect(refusal({ HYPERSEND_TURN_SECRETS: SECRET })).toMatchObject({ option: 'TURN_REALM' });
    expect(refusal({ ...base, TURN_MIN_PORT: '5e4' })).toMatchObject({ option: 'TURN_MIN_PORT' });
    expect(refusal({ ...base, TURN_TLS_CERT_FILE: '/tls/a.pem' })).toMatchObject({
      option: 'TURN_TLS_KEY_FILE',
    });
    const weak = refusal({ ...base, HYPERSEND_TURN_SECRETS: 'k8Qz3vLm9wR2tY7u' });
    expect(weak).toMatchObject({ code: 'weak_secret' });
    expect(weak?.message).not.toContain('k8Qz3vLm9wR2tY7u');
    expect(refusal({ ...base, HYPERSEND_TURN_SECRETS: `${SECRET},${SECRET}` })).toMatchObject({
      code: 'invalid_option',
    });
  });
});
