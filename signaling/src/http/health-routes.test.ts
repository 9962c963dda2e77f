import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/src/helpers/server.ts';
import { postJson, registerUser } from '../../../test/src/helpers/users.ts';
import { createLogger } from '../logger.ts';
import { createSqliteStore } from '../store/sqlite-store.ts';
import type { Store } from '../store/store.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('health, readiness and metrics', () => {
  it('answers /healthz, /readyz and /metrics', async () => {
    server = await startTestServer();
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    await fetch(`${server.url}/v1/me`);
    const res = await fetch(`${server.url}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('hypersend_http_requests_total{method="get",route="/readyz",status="200"} 1');
    expect(text).toContain('hypersend_auth_failures_total{reason="missing_token"} 1');
    for (const name of [
      'hypersend_ws_connections',
      'hypersend_ws_messages_total',
      'hypersend_ws_errors_total',
    ])
      expect(text).toContain(`# TYPE ${name}`);
  });

  it('answers /readyz 503 while the store does not answer', async () => {
    const real = createSqliteStore({ path: ':memory:' });
    let healthy = true;
    const store: Store = Object.assign(Object.create(real) as Store, {
      ping: () => (healthy ? real.ping() : Promise.reject(new Error('down'))),
    });
    server = await startTestServer({}, { store });
    healthy = false;
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    healthy = true;
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    await server.close();
    server = undefined;
    await real.close();
  });
});

describe('logs', () => {
  it('never contain passwords or tokens', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    server = await startTestServer({}, { log: createLogger('trace', destination) });
    const user = await registerUser(server);
    await postJson(
      server,
      '/v1/auth/login',
      { username: user.username, password: 'wrong password' },
      { expect: 401 },
    );
    const refreshed = await postJson<{ accessToken: string; refreshToken: string }>(
      server,
      '/v1/auth/refresh',
      {
        refreshToken: user.refreshToken,
      },
    );
    await postJson(server, '/v1/auth/refresh', { refreshToken: user.refreshToken }, { expect: 401 }); // reuse
    const ticket = await postJson<{ ticket: string }>(
      server,
      '/v1/ws-ticket',
      {},
      { token: refreshed.accessToken },
    );
    await fetch(`${server.url}/v1/me`, { headers: { authorization: `Bearer ${user.accessToken}x` } });
    const log = lines.join('');
    expect(log.length).toBeGreaterThan(0);
    for (const secret of [
      user.password,
      'wrong password',
      user.accessToken,
      user.refreshToken,
      refreshed.accessToken,
      refreshed.refreshToken,
      ticket.ticket,
    ])
      expect(log).not.toContain(secret);
  });
});
