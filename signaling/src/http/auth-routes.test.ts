import type { TokenResponse } from '@hypersend/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/src/helpers/server.ts';
import { randomUsername, registerUser } from '../../../test/src/helpers/users.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

const post = (path: string, body: unknown, token?: string) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
const me = (token: string) => fetch(`${server.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });

describe('register and login', () => {
  it('registers, logs in and answers /v1/me', async () => {
    const user = await registerUser(server);
    expect(user.userId).toMatch(/^u_/);
    const res = await me(user.accessToken);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.json()).toEqual({
      userId: user.userId,
      username: user.username,
      displayName: user.username,
    });
  });

  it('answers 409 for a taken username', async () => {
    const user = await registerUser(server);
    const res = await post('/v1/auth/register', { username: user.username, password: 'another password' });
    expect(res.status).toBe(409);
    expect((await res.json()).error.code).toBe('conflict');
  });

  it('answers wrong password and unknown user with identical 401 bodies', async () => {
    const user = await registerUser(server);
    const wrong = await post('/v1/auth/login', { username: user.username, password: 'not the password' });
    const unknown = await post('/v1/auth/login', {
      username: randomUsername('ghost'),
      password: 'whatever1',
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.text()).toBe(await unknown.text());
    expect(wrong.headers.get('www-authenticate')).toBe(unknown.headers.get('www-authenticate'));
  });

  it('issues access tokens of at most 15 minutes with iss, aud, sub, jti and kid', async () => {
    const user = await registerUser(server);
    const [header, payload] = user.accessToken
      .split('.')
      .slice(0, 2)
      .map((p) => JSON.parse(Buffer.from(p, 'base64url').toString('utf8')));
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'JWT' });
    expect(typeof header.kid).toBe('string');
    expect(payload).toMatchObject({ iss: server.url, aud: 'hypersend', sub: user.userId });
    expect(typeof payload.jti).toBe('string');
    expect(payload.exp - payload.iat).toBeLessThanOrEqual(900);
  });
});

describe('refresh tokens', () => {
  it('rotates: the new token works, the old one is spent', async () => {
    const user = await registerUser(server);
    const res = await post('/v1/auth/refresh', { refreshToken: user.refreshToken });
    expect(res.status).toBe(200);
    const next = (await res.json()) as TokenResponse;
    expect(next.refreshToken).not.toBe(user.refreshToken);
    expect((await me(next.accessToken)).status).toBe(200);
    expect((await post('/v1/auth/refresh', { refreshToken: next.refreshToken })).status).toBe(200);
  });

  it('reuse of a rotated token revokes the whole family, including the newer token', async () => {
    const user = await registerUser(server);
    const first = (await (
      await post('/v1/auth/refresh', { refreshToken: user.refreshToken })
    ).json()) as TokenResponse;
    const reuse = await post('/v1/auth/refresh', { refreshToken: user.refreshToken });
    expect(reuse.status).toBe(401);
    const newer = await post('/v1/auth/refresh', { refreshToken: first.refreshToken });
    expect(newer.status).toBe(401);
  });

  it('logout revokes the refresh token and is idempotent', async () => {
    const user = await registerUser(server);
    expect((await post('/v1/auth/logout', { refreshToken: user.refreshToken })).status).toBe(204);
    expect((await post('/v1/auth/refresh', { refreshToken: user.refreshToken })).status).toBe(401);
    expect((await post('/v1/auth/logout', { refreshToken: user.refreshToken })).status).toBe(204);
  });

  it('rejects an unknown refresh token', async () => {
    const res = await post('/v1/auth/refresh', { refreshToken: 'x'.repeat(43) });
    expect(res.status).toBe(401);
  });
});

describe('ws tickets and jwks', () => {
  it('issues a single-use ticket that the verifier consumes once', async () => {
    const user = await registerUser(server);
    const res = await post('/v1/ws-ticket', {}, user.accessToken);
    expect(res.status).toBe(200);
    const { ticket, expiresIn } = (await res.json()) as { ticket: string; expiresIn: number };
    expect(expiresIn).toBeLessThanOrEqual(30);
    expect(server.context.tokens.consumeWsTicket(ticket)?.userId).toBe(user.userId);
    expect(server.context.tokens.consumeWsTicket(ticket)).toBeNull();
  });

  it('requires a bearer token for a ticket', async () => {
    const res = await post('/v1/ws-ticket', {});
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="hypersend"');
  });

  it('publishes the signing key at both JWKS paths', async () => {
    const a = await (await fetch(`${server.url}/v1/jwks.json`)).json();
    const b = await (await fetch(`${server.url}/.well-known/jwks.json`)).json();
    expect(a).toEqual(b);
    expect(a.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(a.keys[0].d).toBeUndefined();
  });
});
