import { CloseCode } from '@hypersend/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { registerDevice, registerUser, type TestUser } from '../helpers/users.ts';
import { connectWs, refusedWs } from '../helpers/ws-client.ts';

describe('/v1/ws connection caps', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    server = await startTestServer({
      HYPERSEND_MAX_CONNECTIONS_PER_USER: '2',
      HYPERSEND_MAX_CONNECTIONS_PER_IP: '3',
    });
    [alice, bob] = await Promise.all([registerUser(server), registerUser(server)]);
    for (const d of ['a1', 'a2', 'a3']) await registerDevice(server, alice, d);
    for (const d of ['b1', 'b2']) await registerDevice(server, bob, d);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses with 429 beyond the per-user and per-IP caps, and frees slots on close', async () => {
    const a1 = await connectWs(server, { token: alice.accessToken, device: 'a1' });
    const a2 = await connectWs(server, { token: alice.accessToken, device: 'a2' });
    expect((await refusedWs(server, { token: alice.accessToken, device: 'a3' })).status).toBe(429);
    // Reconnecting a connected device is a replacement, not a new slot.
    const a1again = await connectWs(server, { token: alice.accessToken, device: 'a1' });
    expect((await a1.closed).code).toBe(CloseCode.replaced);

    const b1 = await connectWs(server, { token: bob.accessToken, device: 'b1' });
    // Three sockets from 127.0.0.1: the fourth is refused even for another user.
    expect((await refusedWs(server, { token: bob.accessToken, device: 'b2' })).status).toBe(429);
    a2.close();
    await a2.closed;
    const b2 = await connectWs(server, { token: bob.accessToken, device: 'b2' });
    expect(server.context.metrics.render()).toMatch(/hypersend_ws_auth_failures_total\{reason="ip_cap"\} 1/);
    for (const s of [a1again, b1, b2]) s.close();
    await Promise.all([a1again.closed, b1.closed, b2.closed]);
  });
});

describe('/v1/ws graceful shutdown', () => {
  it('sends reconnect with a jittered delay, then closes 1001', async () => {
    const server = await startTestServer();
    const alice = await registerUser(server);
    const devices = await Promise.all(['s1', 's2', 's3'].map((d) => registerDevice(server, alice, d)));
    const sockets = await Promise.all(
      devices.map((d) => connectWs(server, { token: alice.accessToken, device: d.deviceId })),
    );
    const closing = server.close({ timeoutMs: 2_000 });
    for (const socket of sockets) {
      const closed = await socket.closed;
      expect(closed.code).toBe(CloseCode.goingAway);
      const reconnect = socket.frames.find((f) => f.type === 'reconnect');
      expect(reconnect).toBeDefined();
      if (reconnect?.type === 'reconnect') {
        expect(reconnect.afterMs).toBeGreaterThanOrEqual(0);
        expect(reconnect.afterMs).toBeLessThanOrEqual(5_000);
      }
    }
    await closing;
  });
});
