// Authorization, limits and delivery of relay notices on a real signaling server (port 0):
// only contacts may address a notice, only to an existing device, naming only their own device;
// only the recipient lists and acknowledges; connected devices get the notice pushed at once.
import type { RelayNotice } from '@hypersend/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import {
  makeContacts,
  registerDevice,
  registerUser,
  type TestDevice,
  type TestUser,
} from '../helpers/users.ts';
import { connectWs } from '../helpers/ws-client.ts';

let server: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let aliceDevice: TestDevice;
let bobDevice: TestDevice;
let carolDevice: TestDevice;

beforeAll(async () => {
  server = await startTestServer({ HYPERSEND_RELAY_URL: 'http://127.0.0.1:9/' });
  [alice, bob, carol] = await Promise.all([registerUser(server), registerUser(server), registerUser(server)]);
  [aliceDevice, bobDevice, carolDevice] = await Promise.all([
    registerDevice(server, alice),
    registerDevice(server, bob),
    registerDevice(server, carol),
  ]);
  await makeContacts(server, alice, bob);
});
afterAll(() => server.close());

const objectId = 'Q2lwaGVydGV4dE9ubHlfXw';

function body(over: Record<string, unknown> = {}) {
  return {
    to: { user: bob.userId, device: bobDevice.deviceId },
    senderDevice: aliceDevice.deviceId,
    transferId: 't_relayNoticeTest',
    objectId,
    size: 4096,
    expiresAt: Date.now() + 3_600_000,
    ...over,
  };
}

async function call(
  method: string,
  path: string,
  token: string | undefined,
  json?: unknown,
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (json !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const codeOf = (r: { body: unknown }) => (r.body as { error?: { code?: string } }).error?.code;

describe('relay notices', () => {
  it('advertises the relay URL at GET /v1/config without auth', async () => {
    const r = await call('GET', '/v1/config', undefined);
    expect(r).toEqual({ status: 200, body: { relayUrl: 'http://127.0.0.1:9' } });
  });

  it('pushes a notice to the connected recipient device, lists it for the recipient only, and deletes it on ack', async () => {
    const socket = await connectWs(server, { token: bob.accessToken, device: bobDevice.deviceId });
    try {
      await socket.next('hello');
      const created = await call('POST', '/v1/relay-notices', alice.accessToken, body());
      expect(created.status).toBe(201);
      const id = (created.body as { id: string }).id;
      const pushed = await socket.next('relay.notice');
      expect(pushed.notice).toMatchObject({
        id,
        from: { user: alice.userId, device: aliceDevice.deviceId },
        to: { user: bob.userId, device: bobDevice.deviceId },
        objectId,
        transferId: 't_relayNoticeTest',
      });
      const listed = await call('GET', '/v1/relay-notices', bob.accessToken);
      expect((listed.body as { notices: RelayNotice[] }).notices.map((n) => n.id)).toEqual([id]);
      // Neither the sender nor a stranger reads it, nor deletes it.
      expect(
        ((await call('GET', '/v1/relay-notices', alice.accessToken)).body as { notices: [] }).notices,
      ).toEqual([]);
      expect((await call('DELETE', `/v1/relay-notices/${id}`, alice.accessToken)).status).toBe(404);
      expect((await call('DELETE', `/v1/relay-notices/${id}`, carol.accessToken)).status).toBe(404);
      expect((await call('DELETE', `/v1/relay-notices/${id}`, bob.accessToken)).status).toBe(204);
      expect((await call('DELETE', `/v1/relay-notices/${id}`, bob.accessToken)).status).toBe(404);
      expect(
        ((await call('GET', '/v1/relay-notices', bob.accessToken)).body as { notices: [] }).notices,
      ).toEqual([]);
    } finally {
      socket.close();
    }
  });

  it('keeps a notice for an offline device until it asks', async () => {
    const created = await call(
      'POST',
      '/v1/relay-notices',
      alice.accessToken,
      body({ transferId: 't_later' }),
    );
    expect(created.status).toBe(201);
    const listed = (await call('GET', '/v1/relay-notices', bob.accessToken)).body as {
      notices: RelayNotice[];
    };
    expect(listed.notices.map((n) => n.transferId)).toContain('t_later');
    for (const n of listed.notices) await call('DELETE', `/v1/relay-notices/${n.id}`, bob.accessToken);
  });

  it('refuses non-contacts, unknown devices and yourself with one identical not_reachable', async () => {
    const answers = await Promise.all([
      call('POST', '/v1/relay-notices', carol.accessToken, body({ senderDevice: carolDevice.deviceId })),
      call(
        'POST',
        '/v1/relay-notices',
        alice.accessToken,
        body({ to: { user: carol.userId, device: carolDevice.deviceId } }),
      ),
      call(
        'POST',
        '/v1/relay-notices',
        alice.accessToken,
        body({ to: { user: bob.userId, device: 'd_missing' } }),
      ),
      call('POST', '/v1/relay-notices', alice.accessToken, body({ to: { user: 'u_nobody', device: 'd_x' } })),
      call(
        'POST',
        '/v1/relay-notices',
        alice.accessToken,
        body({ to: { user: alice.userId, device: aliceDevice.deviceId } }),
      ),
    ]);
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(answers[0]?.status).toBe(404);
    expect(codeOf(answers[0] as { body: unknown })).toBe('not_reachable');
  });

  it('refuses naming a device that is not the caller’s', async () => {
    const r = await call(
      'POST',
      '/v1/relay-notices',
      alice.accessToken,
      body({ senderDevice: bobDevice.deviceId }),
    );
    expect(r.status).toBe(403);
    expect(codeOf(r)).toBe('forbidden');
  });

  it('refuses unauthenticated calls, bad bodies, and lifetimes out of range', async () => {
    expect((await call('POST', '/v1/relay-notices', undefined, body())).status).toBe(401);
    expect((await call('GET', '/v1/relay-notices', undefined)).status).toBe(401);
    expect((await call('DELETE', '/v1/relay-notices/n_x', undefined)).status).toBe(401);
    const bad = [
      body({ objectId: '../../etc/passwd' }),
      body({ filename: 'secret.txt' }),
      body({ expiresAt: Date.now() - 1 }),
      body({ expiresAt: Date.now() + 400 * 86_400_000 }),
      body({ to: { user: { $ne: '' }, device: 'd' } }),
    ];
    for (const b of bad) {
      const r = await call('POST', '/v1/relay-notices', alice.accessToken, b);
      expect(r.status, JSON.stringify(b)).toBe(400);
    }
  });
});
