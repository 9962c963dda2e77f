import { describe, expect, it } from 'vitest';
import { TurnConfigError } from './errors.ts';
import { type CoturnConfigOptions, renderCoturnConfig } from './render-config.ts';

const SECRET = 'Zq8vN3kP0wR7tY2uB5xC9mL4hJ6gF1dS-k2';
const base: CoturnConfigOptions = { realm: 'turn.example.com', secrets: [SECRET] };

function refusal(options: CoturnConfigOptions): TurnConfigError {
  try {
    renderCoturnConfig(options);
  } catch (err) {
    if (err instanceof TurnConfigError) return err;
    throw err;
  }
  throw new Error('expected a TurnConfigError');
}

describe('renderCoturnConfig', () => {
  it('refuses missing, short and placeholder secrets', () => {
    expect(refusal({ ...base, secrets: [] }).code).toBe('missing_secret');
    expect(refusal({ ...base, secrets: [''] }).code).toBe('missing_secret');
    expect(refusal({ ...base, secrets: ['Zq8vN3kP0wR7tY2uB5xC9mL4'] }).code).toBe('weak_secret');
    for (const placeholder of [
      'changeme-changeme-changeme-changeme',
      'CHANGE_ME_0123456789abcdefghijklmnop',
      '$'.concat('{TURN_SECRET_FROM_THE_ENVIRONMENT}'), // an unexpanded shell variable
      '<your-static-auth-secret-goes-here-please>',
      'my-very-secret-turn-secret-0123456789',
      'a'.repeat(40),
    ]) {
      expect(refusal({ ...base, secrets: [placeholder] }).code).toBe('placeholder_secret');
    }
    expect(refusal({ ...base, secrets: [`${SECRET} x`] }).code).toBe('weak_secret');
    expect(refusal({ ...base, secrets: [`${SECRET}\nallow-loopback-peers`] }).code).toBe('weak_secret');
    expect(refusal({ ...base, secrets: [SECRET, SECRET] }).code).toBe('invalid_option');
  });

  it('never lets an option inject a config line', () => {
    expect(refusal({ ...base, realm: 'x\nallow-loopback-peers' }).option).toBe('realm');
    expect(refusal({ ...base, listeningIps: ['0.0.0.0\nallow-loopback-peers'] }).option).toBe(
      'listeningIps[0]',
    );
    expect(refusal({ ...base, logFile: '/tmp/a\nallow-loopback-peers' }).option).toBe('logFile');
    expect(refusal({ ...base, extraDeniedPeerIps: ['203.0.113.0/24'] }).option).toBe('extraDeniedPeerIps[0]');
    expect(refusal({ ...base, minPort: 60000, maxPort: 50000 }).option).toBe('minPort');
    expect(refusal({ ...base, listeningPort: 50000 }).option).toBe('listeningPort');
  });

  it('renders the hardened production config without any allow line', () => {
    const conf = renderCoturnConfig({ ...base, secrets: [SECRET, `${SECRET}-old`] });
    expect(conf).not.toMatch(/allowed-peer-ip|allow-loopback-peers/);
    expect(conf).not.toContain('{{');
    const lines = new Set(conf.split('\n'));
    for (const line of [
      'use-auth-secret',
      `static-auth-secret=${SECRET}`,
      `static-auth-secret=${SECRET}-old`,
      'realm=turn.example.com',
      'fingerprint',
      'no-cli',
      'no-multicast-peers',
      'no-software-attribute',
      'no-rfc5780',
      'stale-nonce=600',
      'user-quota=12',
      'total-quota=1200',
      'max-bps=12500000',
      'min-port=49152',
      'max-port=65535',
      'no-tls',
      'denied-peer-ip=127.0.0.0-127.255.255.255',
      'denied-peer-ip=169.254.0.0-169.254.255.255',
      'denied-peer-ip=::-::ffff:ffff',
      'denied-peer-ip=64:ff9b::-64:ff9b::ffff:ffff',
      'denied-peer-ip=fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
      'denied-peer-ip=::ffff:0.0.0.0-::ffff:255.255.255.255',
      'denied-peer-ip=::ffff:127.0.0.0-::ffff:127.255.255.255',
    ]) {
      expect(lines, line).toContain(line);
    }
    // Newest secret first: signaling signs with it, coturn tries the lines in order.
    expect(conf.indexOf(`static-auth-secret=${SECRET}\n`)).toBeLessThan(conf.indexOf(`${SECRET}-old`));
  });

  it('renders a TLS listener for turns: when a certificate is given', () => {
    const conf = renderCoturnConfig({
      ...base,
      tls: { certFile: '/etc/ssl/turn.pem', keyFile: '/etc/ssl/turn.key' },
    });
    expect(conf).toContain('tls-listening-port=5349\ncert=/etc/ssl/turn.pem\npkey=/etc/ssl/turn.key');
    expect(conf).toContain('no-tlsv1_1');
    expect(conf).not.toMatch(/^no-tls$/m);
  });

  it('adds loopback only in the test profile', () => {
    const conf = renderCoturnConfig({ ...base, profile: 'test' });
    expect(conf).toMatch(/^allowed-peer-ip=127\.0\.0\.1$/m);
    expect(conf).toMatch(/^allow-loopback-peers$/m);
    expect(conf).not.toMatch(/^allowed-peer-ip=(?!127\.0\.0\.1$|::1$)/m);
  });
});
