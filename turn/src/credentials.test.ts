import { describe, expect, it } from 'vitest';
import { mintTurnCredentials, turnRestPassword } from './credentials.ts';

// Computed independently: printf '%s' '1700000000:alice' | openssl dgst -sha1 -hmac '<secret>' -binary | base64
const VECTOR = {
  secret: 'hypersend-test-vector-secret-0123456789abcdef',
  username: '1700000000:alice',
  password: 'us6oUmSgs9MAJp7aeFqH5wUWpeM=',
};

describe('mintTurnCredentials', () => {
  it('matches the openssl vector', () => {
    expect(turnRestPassword(VECTOR.secret, VECTOR.username)).toBe(VECTOR.password);
    const c = mintTurnCredentials({
      secret: VECTOR.secret,
      user: 'alice',
      ttlSeconds: 600,
      now: 1_699_999_400_500,
      uris: ['turn:127.0.0.1:3478'],
    });
    expect(c).toEqual({
      username: VECTOR.username,
      credential: VECTOR.password,
      ttl: 600,
      uris: ['turn:127.0.0.1:3478'],
    });
  });

  it('refuses a user part with a colon, an empty secret and a non-positive ttl', () => {
    const base = { secret: VECTOR.secret, user: 'alice', ttlSeconds: 60, uris: [] };
    expect(() => mintTurnCredentials({ ...base, user: 'a:b' })).toThrow(/':'/);
    expect(() => mintTurnCredentials({ ...base, user: '' })).toThrow();
    expect(() => mintTurnCredentials({ ...base, secret: '' })).toThrow(/secret/);
    expect(() => mintTurnCredentials({ ...base, ttlSeconds: 0 })).toThrow(/ttl/);
  });
});
