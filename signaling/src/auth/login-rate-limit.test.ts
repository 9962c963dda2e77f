import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/src/helpers/server.ts';
import { randomUsername, registerUser } from '../../../test/src/helpers/users.ts';
import { createRateLimiter } from './rate-limiter.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const login = (s: TestServer, username: string, password: string) =>
  fetch(`${s.url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });

describe('login rate limits', () => {
  it('limits failures per account, then refuses even the right password with 429 and Retry-After', async () => {
    server = await startTestServer({ HYPERSEND_LOGIN_RATE_PER_ACCOUNT: '2' });
    const user = await registerUser(server);
    expect((await login(server, user.username, 'wrong-password')).status).toBe(401);
    expect((await login(server, user.username, 'wrong-password')).status).toBe(401);
    const limited = await login(server, user.username, user.password);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await limited.json()).error.code).toBe('rate_limited');
    // Unknown accounts are limited the same way: the limiter reveals nothing either.
    const ghost = randomUsername('ghost');
    await login(server, ghost, 'x');
    await login(server, ghost, 'x');
    expect((await login(server, ghost, 'x')).status).toBe(429);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/hypersend_login_rate_limited_total\{scope="account"\} 2/);
  });

  it('limits attempts per IP across accounts', async () => {
    server = await startTestServer({ HYPERSEND_LOGIN_RATE_PER_IP: '3' });
    const user = await registerUser(server); // uses 1 attempt
    for (let i = 0; i < 2; i++) expect((await login(server, randomUsername(), 'password1')).status).toBe(401);
    const limited = await login(server, user.username, user.password);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeTruthy();
  });

  it('forgets keys after the window and stays bounded', () => {
    let now = 0;
    const limiter = createRateLimiter({ limit: 1, windowMs: 1000, now: () => now, maxKeys: 10 });
    expect(limiter.hit('a').allowed).toBe(true);
    expect(limiter.hit('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now = 1000;
    expect(limiter.hit('a').allowed).toBe(true);
    for (let i = 0; i < 100; i++) limiter.hit(`k${i}`);
    expect(limiter.size()).toBeLessThanOrEqual(10);
  });
});
