import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/src/helpers/server.ts';
import { externalUserId, sanitizeUsername } from './external-tokens.ts';

const ISSUER = 'https://id.example.test';
const AUDIENCE = 'hypersend-app';
let idp: Server;
let server: TestServer;
let privateKey: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  privateKey = pair.privateKey;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'idp-1', alg: 'ES256', use: 'sig' };
  // A tiny identity provider: just its JWKS, on port 0.
  idp = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
  const { port } = idp.address() as AddressInfo;
  server = await startTestServer({
    HYPERSEND_EXTERNAL_JWKS_URL: `http://127.0.0.1:${port}/jwks.json`,
    HYPERSEND_EXTERNAL_ISSUER: ISSUER,
    HYPERSEND_EXTERNAL_AUDIENCE: AUDIENCE,
    HYPERSEND_EXTERNAL_ALGORITHMS: 'ES256',
  });
});
afterAll(async () => {
  await server?.close();
  await new Promise((resolve) => idp?.close(resolve));
});

const externalToken = (claims: { iss?: string; aud?: string; sub?: string; preferred_username?: string }) =>
  new SignJWT(claims.preferred_username ? { preferred_username: claims.preferred_username } : {})
    .setProtectedHeader({ alg: 'ES256', kid: 'idp-1' })
    .setIssuer(claims.iss ?? ISSUER)
    .setAudience(claims.aud ?? AUDIENCE)
    .setSubject(claims.sub ?? 'user-42')
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(privateKey);

const me = (token: string) => fetch(`${server.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });

describe('external identity provider tokens', () => {
  it('accepts a token from the configured JWKS and provisions the user', async () => {
    const token = await externalToken({
      sub: 'alice@example.com',
      preferred_username: 'Alice.Smith@example.com',
    });
    const res = await me(token);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.userId).toBe(externalUserId(ISSUER, 'alice@example.com'));
    expect(body.userId).toMatch(/^x_[A-Za-z0-9_-]{32}$/);
    expect(body.username).toBe('alice.smith');
    // Provisioning is idempotent: a second request is the same user.
    expect((await (await me(token)).json()).userId).toBe(body.userId);
    // External users can use the rest of the API.
    const ticket = await fetch(`${server.url}/v1/ws-ticket`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(ticket.status).toBe(200);
  });

  it('falls back to an id-derived username when the preferred one is unusable', async () => {
    const res = await me(await externalToken({ sub: '{"$gt":""}', preferred_username: '$$' }));
    expect(res.status).toBe(200);
    expect((await res.json()).username).toMatch(/^x_[0-9a-f]{24}$/);
  });

  it('refuses an external token with the wrong issuer or audience', async () => {
    expect((await me(await externalToken({ iss: 'https://other.example' }))).status).toBe(401);
    expect((await me(await externalToken({ aud: 'not-us' }))).status).toBe(401);
  });

  it('refuses a token claiming the external issuer but signed by someone else', async () => {
    const other = await generateKeyPair('ES256');
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'idp-1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('mallory')
      .setExpirationTime('10m')
      .sign(other.privateKey);
    expect((await me(token)).status).toBe(401);
  });

  it('sanitizes preferred usernames', () => {
    expect(sanitizeUsername('Bob')).toBe('bob');
    expect(sanitizeUsername('x')).toBeNull();
    expect(sanitizeUsername({ $gt: '' })).toBeNull();
    expect(sanitizeUsername('42 Über Name')).toBe('ber_name');
  });
});
