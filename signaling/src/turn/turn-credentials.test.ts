import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../context.ts';
import { createTurnCredentialIssuer, type TurnCredentialIssuerOptions } from './turn-credentials.ts';

// Same vector as turn/src/credentials.test.ts, computed with openssl:
// printf '%s' '1700000000:alice' | openssl dgst -sha1 -hmac '<secret>' -binary | base64
const VECTOR_SECRET = 'hypersend-test-vector-secret-0123456789abcdef';
const OLD_SECRET = 'Zq8vN3kP0wR7tY2uB5xC9mL4hJ6gF1dS-old';

function setup(overrides: Partial<TurnCredentialIssuerOptions> = {}) {
  let now = 1_699_999_400_000;
  const clock: Clock = { now: () => now };
  const issuer = createTurnCredentialIssuer({
    secrets: [VECTOR_SECRET, OLD_SECRET],
    uris: [
      'stun:turn.example.com:3478',
      'turn:turn.example.com:3478?transport=udp',
      'turns:turn.example.com:5349',
    ],
    ttlSeconds: 600,
    mintsPerMinute: 3,
    clock,
    ...overrides,
  });
  return { issuer, advance: (ms: number) => (now += ms) };
}

function ok(result: ReturnType<ReturnType<typeof setup>['issuer']['issue']>) {
  if (!result.ok) throw new Error(`expected credentials, got ${result.error.code}`);
  return result.value;
}

describe('createTurnCredentialIssuer', () => {
  it('answers STUN and TURN ice servers; username expiry:userId, HMAC of the newest secret (known vector)', () => {
    const { issuer } = setup();
    const value = ok(issuer.issue('alice'));
    expect(value).toEqual({
      ttl: 600,
      expiresAt: 1_700_000_000,
      iceServers: [
        { urls: ['stun:turn.example.com:3478'] },
        {
          urls: ['turn:turn.example.com:3478?transport=udp', 'turns:turn.example.com:5349'],
          username: '1700000000:alice',
          credential: 'us6oUmSgs9MAJp7aeFqH5wUWpeM=',
        },
      ],
    });
  });

  it('signs with the first (newest) secret only', () => {
    const { issuer } = setup({ secrets: [OLD_SECRET, VECTOR_SECRET] });
    const turn = ok(issuer.issue('alice')).iceServers[1];
    const expected = createHmac('sha1', OLD_SECRET).update('1700000000:alice').digest('base64');
    expect(turn?.credential).toBe(expected);
  });

  it('derives the expiry from the injected clock and the configured TTL', () => {
    const { issuer, advance } = setup({ ttlSeconds: 3600 });
    advance(5_000);
    const value = ok(issuer.issue('bob'));
    expect(value.ttl).toBe(3600);
    expect(value.expiresAt).toBe(1_699_999_405 + 3600);
    expect(value.iceServers[1]?.username).toBe(`${1_699_999_405 + 3600}:bob`);
  });

  it('rate-limits per user, with a retry hint, and recovers after the window', () => {
    const { issuer, advance } = setup({ mintsPerMinute: 3 });
    for (let i = 0; i < 3; i++) expect(issuer.issue('alice').ok).toBe(true);
    const limited = issuer.issue('alice');
    expect(limited).toEqual({
      ok: false,
      error: { code: 'rate_limited', retryAfterSeconds: expect.any(Number) },
    });
    if (!limited.ok) expect(limited.error.retryAfterSeconds).toBeGreaterThan(0);
    expect(limited.ok || limited.error.retryAfterSeconds <= 60).toBe(true);
    // Another user is not affected by alice's limit.
    expect(issuer.issue('bob').ok).toBe(true);
    advance(60_000);
    expect(issuer.issue('alice').ok).toBe(true);
  });

  it("refuses a userId with ':' and bad configuration", () => {
    const { issuer } = setup();
    expect(() => issuer.issue('a:b')).toThrow(/':'/);
    expect(() => setup({ secrets: [] })).toThrow(/secret/);
    expect(() => setup({ secrets: ['short'] })).toThrow(/32/);
    expect(() => setup({ uris: ['stun:turn.example.com'] })).toThrow(/turn: or turns:/);
    expect(() => setup({ uris: ['http://turn.example.com'] })).toThrow(/not a STUN\/TURN URI/);
    expect(() => setup({ ttlSeconds: 5 })).toThrow(/TTL/);
    expect(() => setup({ mintsPerMinute: 0 })).toThrow(/per minute/);
  });
});
