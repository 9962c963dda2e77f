import { HttpApi, HypersendError } from '@hypersend/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { type SdkUser, sdkUser } from './sdk-fixtures.ts';

describe('SDK session: proactive refresh, single flight, expiry', () => {
  let server: TestServer;
  const users: SdkUser[] = [];

  beforeAll(async () => {
    // The shortest lifetime the server allows; the proactive threshold is scaled down so the
    // refresh happens after ~1.2 s instead of ~48 s.
    server = await startTestServer({ HYPERSEND_ACCESS_TOKEN_TTL: '60' });
  });

  afterAll(async () => {
    for (const u of users) u.client.close();
    await server?.close();
  });

  it('refreshes the access token before it expires and keeps working', async () => {
    const u = await sdkUser(server, { session: { refreshAt: 0.02, jitter: 0 } });
    users.push(u);
    const first = await u.client.session.token();
    const firstExpiry = u.client.session.expiresAt!;
    const refreshed = await u.client.next('refreshed');
    expect(refreshed.userId).toBe(u.client.me?.userId);
    expect(refreshed.expiresAt).toBeGreaterThan(firstExpiry);
    const second = await u.client.session.token();
    expect(second).not.toBe(first);
    expect((await u.client.api.me()).username).toBe(u.username);
  });

  it('shares one refresh among concurrent callers (refresh tokens are single use)', async () => {
    const u = await sdkUser(server);
    users.push(u);
    const expired: unknown[] = [];
    u.client.on('session-expired', (e) => expired.push(e));
    const [a, b, c] = await Promise.all([
      u.client.session.refresh(),
      u.client.session.refresh(),
      u.client.session.refresh(),
    ]);
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(expired).toEqual([]);
    expect((await u.client.api.me()).username).toBe(u.username);
  });

  it('emits session-expired when the refresh token was reused (family revoked)', async () => {
    const u = await sdkUser(server);
    users.push(u);
    // Someone else (a stolen copy) uses the refresh token first: the client's copy is now a reuse.
    const stolen = u.client.session.refreshToken!;
    await new HttpApi({ baseUrl: server.url }).refresh(stolen);
    const expired = u.client.next('session-expired');
    const err = await u.client.session.refresh().catch((e: unknown) => e);
    expect(HypersendError.is(err, 'session_expired')).toBe(true);
    expect((await expired).error.code).toBe('session_expired');
    expect(u.client.session.authenticated).toBe(false);
    const after = await u.client.api.me().catch((e: unknown) => e);
    expect(HypersendError.is(after, 'not_authenticated')).toBe(true);
  });

  it('maps error answers to HypersendError with the server code and status', async () => {
    const api = new HttpApi({ baseUrl: server.url });
    const err = await api.login('nobody-here', 'wrong password').catch((e: unknown) => e);
    expect(HypersendError.is(err, 'unauthorized')).toBe(true);
    expect((err as HypersendError).details?.status).toBe(401);
    const slow = new HttpApi({
      baseUrl: server.url,
      timeoutMs: 50,
      // A server that answers after 1 s. The abort clears the timer: a late fetch() with the
      // aborted signal would reject after this test, unhandled, and fail the run.
      fetch: (input, init) =>
        new Promise((resolve, reject) => {
          const late = setTimeout(() => resolve(fetch(input, init)), 1_000);
          init.signal?.addEventListener('abort', () => {
            clearTimeout(late);
            reject(init.signal?.reason);
          });
        }),
    });
    const timedOut = await slow.login('x', 'y').catch((e: unknown) => e);
    expect(HypersendError.is(timedOut, 'timeout')).toBe(true);
  });

  it('retries once with a fresh token after a 401 (app token provider)', async () => {
    const u = await sdkUser(server);
    users.push(u);
    const good = await u.client.session.token();
    const served: string[] = [];
    let calls = 0;
    u.client.useToken(async () => {
      calls += 1;
      const token = calls === 1 ? 'not-a-valid-token' : good;
      served.push(token);
      return token;
    });
    expect((await u.client.api.me()).username).toBe(u.username);
    expect(served).toEqual(['not-a-valid-token', good]);
  });
});
