import { createHmac, generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/src/helpers/server.ts';
import { registerUser, type TestUser } from '../../../test/src/helpers/users.ts';

const current = generateKeyPairSync('ed25519');
const previous = generateKeyPairSync('ed25519');
const stranger = generateKeyPairSync('ed25519');
let previousJwk: JWK;
let server: TestServer;
let user: TestUser;

beforeAll(async () => {
  previousJwk = await exportJWK(previous.publicKey);
  previousJwk.kid = await calculateJwkThumbprint(previousJwk);
  server = await startTestServer({
    HYPERSEND_JWT_PRIVATE_KEY: current.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    HYPERSEND_JWT_KEY_ID: 'current-key',
    HYPERSEND_JWT_PREVIOUS_PUBLIC_KEYS: JSON.stringify([previousJwk]),
  });
  user = await registerUser(server);
});
afterAll(async () => {
  await server?.close();
});

const status = async (token: string) =>
  (await fetch(`${server.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status;

function sign(
  claims: { iss?: string; aud?: string; exp?: number; iat?: number; sub?: string },
  key = current.privateKey,
  kid = 'current-key',
) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'EdDSA', kid })
    .setIssuer(claims.iss ?? server.url)
    .setAudience(claims.aud ?? 'hypersend')
    .setSubject(claims.sub ?? user.userId)
    .setJti('j1')
    .setIssuedAt(claims.iat ?? now)
    .setExpirationTime(claims.exp ?? now + 600)
    .sign(key);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('forged and foreign access tokens', () => {
  it('accepts a correctly signed token (control)', async () => {
    expect(await status(await sign({}))).toBe(200);
  });

  it('accepts a token signed with a previous, still published key', async () => {
    expect(await status(await sign({}, previous.privateKey, previousJwk.kid!))).toBe(200);
    const jwks = await (await fetch(`${server.url}/v1/jwks.json`)).json();
    expect(jwks.keys.map((k: JWK) => k.kid)).toEqual(['current-key', previousJwk.kid]);
  });

  it('refuses alg none', async () => {
    const now = Math.floor(Date.now() / 1000);
    const payload = {
      iss: server.url,
      aud: 'hypersend',
      sub: user.userId,
      jti: 'x',
      iat: now,
      exp: now + 600,
    };
    expect(await status(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`)).toBe(401);
  });

  it('refuses HS256 signed with the public key bytes', async () => {
    const now = Math.floor(Date.now() / 1000);
    const payload = {
      iss: server.url,
      aud: 'hypersend',
      sub: user.userId,
      jti: 'x',
      iat: now,
      exp: now + 600,
    };
    const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: 'current-key' })}.${b64(payload)}`;
    for (const secret of [
      current.publicKey.export({ type: 'spki', format: 'pem' }),
      current.publicKey.export({ type: 'spki', format: 'der' }),
      Buffer.from((await exportJWK(current.publicKey)).x!, 'base64url'),
    ]) {
      const sig = createHmac('sha256', secret).update(input).digest('base64url');
      expect(await status(`${input}.${sig}`)).toBe(401);
    }
  });

  it('refuses a wrong audience, a wrong issuer and an expired token', async () => {
    expect(await status(await sign({ aud: 'someone-else' }))).toBe(401);
    expect(await status(await sign({ iss: 'https://evil.example' }))).toBe(401);
    const past = Math.floor(Date.now() / 1000) - 3600;
    expect(await status(await sign({ iat: past, exp: past + 600 }))).toBe(401);
  });

  it('refuses an unknown kid and a key that is not ours', async () => {
    expect(await status(await sign({}, current.privateKey, 'nope'))).toBe(401);
    expect(await status(await sign({}, stranger.privateKey))).toBe(401);
  });

  it('refuses a token living longer than 15 minutes', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await status(await sign({ iat: now - 1200, exp: now + 600 }))).toBe(401);
  });

  it('refuses garbage and malformed headers', async () => {
    for (const token of ['garbage', 'a.b.c', '', `${user.accessToken}x`])
      expect(await status(token)).toBe(401);
    const res = await fetch(`${server.url}/v1/me`, {
      headers: { authorization: `Basic ${user.accessToken}` },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('invalid_token');
  });
});
