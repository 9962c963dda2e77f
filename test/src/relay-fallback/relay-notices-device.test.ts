// Per-device listing of relay notices on a real signaling server (port 0): with the fan-out a
// user's devices share the 100-entry all-devices listing, so each device lists its own through
// `GET /v1/devices/:deviceId/relay-notices`. Only the caller's own devices can be named.
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

let server: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let aliceDevice: TestDevice;
let bobA: TestDevice;
let bobB: TestDevice;
let carolDevice: TestDevice;
const created = { a: new Set<string>(), b: new Set<string>() };

async function call(method: string, path: string, token: string | undefined, json?: unknown) {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (json !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
  return { status: res.status, text: await res.text() };
}

async function announce(device: TestDevice, i: number): Promise<string> {
  const r = await call('POST', '/v1/relay-notices', alice.accessToken, {
    to: { user: bob.userId, device: device.deviceId },
    senderDevice: aliceDevice.deviceId,
    transferId: `t_dev_${device.deviceId}_${i}`,
    objectId: 'Q2lwaGVydGV4dE9ubHlfXw',
    size: 4096,
    expiresAt: Date.now() + 3_600_000,
  });
  if (r.status !== 201) throw new Error(`POST /v1/relay-notices: ${r.status} ${r.text}`);
  return (JSON.parse(r.text) as { id: string }).id;
}

/** Run `count` announcements, a few at a time (bounded, not 120 sockets at once on a loaded box). */
async function announceMany(device: TestDevice, count: number, into: Set<string>): Promise<void> {
  for (let start = 0; start < count; start += 8) {
    const batch = Array.from({ length: Math.min(8, count - start) }, (_, k) => announce(device, start + k));
    for (const id of await Promise.all(batch)) into.add(id);
  }
}

const listed = (r: { text: string }) => (JSON.parse(r.text) as { notices: RelayNotice[] }).notices;

beforeAll(async () => {
  server = await startTestServer();
  [alice, bob, carol] = await Promise.all([registerUser(server), registerUser(server), registerUser(server)]);
  [aliceDevice, bobA, bobB, carolDevice] = await Promise.all([
    registerDevice(server, alice),
    registerDevice(server, bob),
    registerDevice(server, bob),
    registerDevice(server, carol),
  ]);
  await makeContacts(server, alice, bob);
  // Device A's first, so they are the oldest: the all-devices listing is filled by them.
  await announceMany(bobA, 120, created.a);
  await announceMany(bobB, 5, created.b);
}, 60_000);
afterAll(() => server.close());

describe('GET /v1/devices/:deviceId/relay-notices', () => {
  it('the all-devices listing is full of device A’s notices and shows none of B’s (the gap this closes)', async () => {
    const r = await call('GET', '/v1/relay-notices', bob.accessToken);
    expect(r.status).toBe(200);
    const notices = listed(r);
    expect(notices).toHaveLength(100);
    expect(notices.filter((n) => n.to.device === bobB.deviceId)).toEqual([]);
  });

  it('lists all 5 of device B’s notices', async () => {
    const r = await call('GET', `/v1/devices/${bobB.deviceId}/relay-notices`, bob.accessToken);
    expect(r.status).toBe(200);
    expect(new Set(listed(r).map((n) => n.id))).toEqual(created.b);
  });

  it('lists 100 of device A’s 120, only A’s, oldest first', async () => {
    const r = await call('GET', `/v1/devices/${bobA.deviceId}/relay-notices`, bob.accessToken);
    expect(r.status).toBe(200);
    const notices = listed(r);
    expect(notices).toHaveLength(100);
    for (const n of notices) {
      expect(n.to).toEqual({ user: bob.userId, device: bobA.deviceId });
      expect(created.a.has(n.id)).toBe(true);
    }
    const order = notices.map((n) => [n.createdAt, n.id] as const);
    const sorted = [...order].sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0));
    expect(order).toEqual(sorted);
  });

  it('reveals nothing for a device that is not the caller’s: another user’s and a missing one answer the same 404', async () => {
    const foreign = await call('GET', `/v1/devices/${carolDevice.deviceId}/relay-notices`, bob.accessToken);
    const missing = await call('GET', '/v1/devices/d_noSuchDevice/relay-notices', bob.accessToken);
    // Alice is the sender, not the recipient: naming bob's device gets her nothing either.
    const senderAsks = await call('GET', `/v1/devices/${bobA.deviceId}/relay-notices`, alice.accessToken);
    expect(foreign.status).toBe(404);
    expect(JSON.parse(foreign.text)).toMatchObject({ error: { code: 'not_found' } });
    expect(missing).toEqual(foreign);
    expect(senderAsks).toEqual(foreign);
  });

  it('answers a malformed device id with a typed 400 and no token with 401', async () => {
    for (const bad of ['bad%24id', 'x'.repeat(65), '%7B%22%24ne%22%3A1%7D']) {
      const r = await call('GET', `/v1/devices/${bad}/relay-notices`, bob.accessToken);
      expect(r.status, bad).toBe(400);
      expect(JSON.parse(r.text), bad).toMatchObject({ error: { code: 'bad_request' } });
    }
    const anonymous = await call('GET', `/v1/devices/${bobB.deviceId}/relay-notices`, undefined);
    expect(anonymous.status).toBe(401);
  });
});
