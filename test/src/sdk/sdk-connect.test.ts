import { createClient, HypersendError, type IncomingSignal, publicIdentity } from '@hypersend/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { befriend, eventually, type SdkUser, sdkUser } from './sdk-fixtures.ts';

describe('SDK connection layer against a real signaling server', () => {
  let server: TestServer;
  let alice: SdkUser;
  let bob: SdkUser;

  beforeAll(async () => {
    server = await startTestServer();
    alice = await sdkUser(server, { prefix: 'alice' });
    bob = await sdkUser(server, { prefix: 'bob' });
    await befriend(alice, bob);
  });

  afterAll(async () => {
    alice?.client.close();
    bob?.client.close();
    await server?.close();
  });

  it('registers, logs in, connects and registers the device with its keys', async () => {
    expect(alice.client.me?.username).toBe(alice.username);
    const connected = alice.client.next('connected');
    await alice.client.connect();
    const device = alice.client.device;
    expect(device?.deviceId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect((await connected).device).toBe(device?.deviceId);
    const mine = await alice.client.devices.list();
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ deviceId: device?.deviceId, ...publicIdentity(device!) });
    expect(alice.client.signaling.state).toBe('open');
  });

  it('two contacts see each other online and exchange an acknowledged signal', async () => {
    const presence: Array<{ user: string; state: string }> = [];
    alice.client.on('presence', (p) => presence.push(p));
    await bob.client.connect();
    const bobId = bob.client.me!.userId;
    const bobDevice = bob.client.device!.deviceId;
    await eventually(() => presence.some((p) => p.user === bobId && p.state === 'online'), 5_000, 'presence');
    expect(await alice.client.signaling.presenceQuery([bobId])).toEqual([{ user: bobId, device: bobDevice }]);

    const [target] = await alice.client.keys.devicesOf(bob.username);
    expect(target).toMatchObject({ userId: bobId, deviceId: bobDevice, blocked: false });
    const received = bob.client.next('signal');
    await alice.client.signaling.sendSignal({ user: bobId, device: bobDevice }, 'offer', 'sess1', {
      sdp: 'v=0',
    });
    const signal: IncomingSignal = await received;
    expect(signal).toEqual({
      from: { user: alice.client.me!.userId, device: alice.client.device!.deviceId },
      kind: 'offer',
      sid: 'sess1',
      data: { sdp: 'v=0' },
    });
    // Both sides compute the same safety number.
    const a = await alice.client.keys.safetyNumber(bob.username);
    await bob.client.keys.devicesOf(alice.username);
    expect(await bob.client.keys.safetyNumber(alice.username)).toBe(a);
    expect(a).toMatch(/^(\d{5} ){11}\d{5}$/);
  });

  it('a signal to a contact whose device is offline is rejected with peer_offline', async () => {
    const bobId = bob.client.me!.userId;
    const bobDevice = bob.client.device!.deviceId;
    const offline = new Promise<void>((resolve) =>
      alice.client.on('presence', (p) => p.user === bobId && p.state === 'offline' && resolve()),
    );
    bob.client.disconnect();
    await offline;
    const err = await alice.client.signaling
      .sendSignal({ user: bobId, device: bobDevice }, 'offer', 'sess2', {})
      .catch((e: unknown) => e);
    expect(HypersendError.is(err, 'peer_offline')).toBe(true);
    // Someone who is not a contact is indistinguishable from nobody.
    const stranger = await alice.client.signaling
      .sendSignal({ user: 'u_nobody', device: 'd_none' }, 'offer', 'sess3', {})
      .catch((e: unknown) => e);
    expect(HypersendError.is(stranger, 'not_reachable')).toBe(true);
  });

  it('a second connection of the same device replaces the first, which does not reconnect', async () => {
    await bob.client.connect();
    const replaced = bob.client.next('replaced');
    const twin = createClient({
      serverUrl: server.url,
      identityStore: bob.identityStore,
      keyStore: bob.keyStore,
    });
    try {
      await twin.login(bob.username, bob.password);
      await twin.connect();
      expect(twin.device?.deviceId).toBe(bob.client.device?.deviceId);
      await replaced;
      expect(bob.client.signaling.state).toBe('closed');
      await new Promise((r) => setTimeout(r, 700));
      expect(bob.client.signaling.state).toBe('closed');
      expect(twin.signaling.state).toBe('open');
      const err = await bob.client.signaling.ping().catch((e: unknown) => e);
      expect(HypersendError.is(err, 'not_connected')).toBe(true);
    } finally {
      twin.close();
    }
  });
});
