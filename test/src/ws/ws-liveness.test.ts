import type { IncomingMessage } from 'node:http';
import { WS_BEARER_PREFIX, WS_SUBPROTOCOL } from '@hypersend/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { makeContacts, registerDevice, registerUser, type TestUser } from '../helpers/users.ts';
import { connectWs, TestSocket } from '../helpers/ws-client.ts';

// Dead-peer detection and slow-consumer shedding: the two ways a connection that stopped
// cooperating is removed, so presence stays truthful and memory stays bounded.

/**
 * Open `/v1/ws` and resolve at the 101, before `hello`: for a socket that stops reading right
 * after the handshake (`onUpgrade`). Everything else uses `connectWs`, which waits for `hello`.
 */
function openRaw(
  server: TestServer,
  user: TestUser,
  device: string,
  onUpgrade: (res: IncomingMessage) => void,
): Promise<TestSocket> {
  const ws = new WebSocket(`${server.wsUrl}?device=${device}`, [
    WS_SUBPROTOCOL,
    `${WS_BEARER_PREFIX}${user.accessToken}`,
  ]);
  ws.once('upgrade', onUpgrade);
  const socket = new TestSocket(ws);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(socket));
    ws.once('error', reject);
  });
}

describe('/v1/ws dead-peer detection', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    server = await startTestServer({ HYPERSEND_WS_IDLE_TIMEOUT: '8' });
    [alice, bob] = await Promise.all([registerUser(server), registerUser(server)]);
    await makeContacts(server, alice, bob);
    await registerDevice(server, alice, 'silent');
    await registerDevice(server, alice, 'alive');
    await registerDevice(server, bob, 'watcher');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('drops a peer that stops answering pings, announces it offline, and keeps a live idle peer', async () => {
    const watcher = await connectWs(server, { token: bob.accessToken, device: 'watcher' });
    // `autoPong: false` models a peer whose process hangs or whose network vanished.
    const started = Date.now();
    const silent = await connectWs(server, { token: alice.accessToken, device: 'silent', autoPong: false });
    const alive = await connectWs(server, { token: alice.accessToken, device: 'alive' });
    await watcher.next('presence', (p) => p.device === 'silent' && p.state === 'online', 5_000);

    await watcher.next('presence', (p) => p.device === 'silent' && p.state === 'offline', 30_000);
    const closed = await Promise.race([silent.closed, new Promise((r) => setTimeout(() => r(null), 5_000))]);
    expect(closed).not.toBeNull();
    // uWS pings a quiet peer after half the idle timeout (4 s timer resolution) and drops it
    // when no pong came by then: never sooner than that first ping.
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_500);

    // The live peer sent nothing either, but answered pings: after more than two idle timeouts
    // it is still connected and still online.
    await new Promise((r) => setTimeout(r, Math.max(0, started + 20_000 - Date.now())));
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
    expect(
      watcher.frames.some((f) => f.type === 'presence' && f.device === 'alive' && f.state === 'offline'),
    ).toBe(false);
    alive.close();
    watcher.close();
  }, 60_000);
});

describe('/v1/ws slow consumers', () => {
  it('closes a socket that stops reading instead of buffering without bound', async () => {
    const server = await startTestServer({
      HYPERSEND_WS_MAX_BACKPRESSURE: String(256 * 1024),
      HYPERSEND_WS_RATE: '100000',
      HYPERSEND_WS_BURST: '100000',
    });
    try {
      const [alice, bob] = await Promise.all([registerUser(server), registerUser(server)]);
      await makeContacts(server, alice, bob);
      await registerDevice(server, alice, 'sender');
      await registerDevice(server, bob, 'stalled');
      const sender = await connectWs(server, { token: alice.accessToken, device: 'sender' });
      // Stop reading at the TCP level right after the handshake: the kernel buffers fill, then
      // uWS's send buffer grows until the server gives up on this socket.
      const stalled = await openRaw(server, bob, 'stalled', (res) => res.socket.pause());
      await sender.next('presence', (p) => p.device === 'stalled' && p.state === 'online', 5_000);

      const data = { type: 'candidate', candidate: 'x'.repeat(60_000) };
      let sent = 0;
      const deadline = Date.now() + 30_000;
      let dropped = false;
      while (!dropped && Date.now() < deadline && sent < 2_000) {
        for (let i = 0; i < 20; i++) {
          sender.send({
            type: 'signal',
            to: { user: bob.userId, device: 'stalled' },
            kind: 'candidate',
            sid: 's1',
            data,
          });
          sent++;
        }
        await new Promise((r) => setTimeout(r, 20));
        dropped = sender.frames.some(
          (f) => f.type === 'presence' && f.device === 'stalled' && f.state === 'offline',
        );
      }
      expect(dropped).toBe(true);
      expect(server.context.metrics.render()).toMatch(/reason="backpressure"/);
      stalled.ws.terminate();
      sender.close();
    } finally {
      await server.close();
    }
  }, 60_000);
});
