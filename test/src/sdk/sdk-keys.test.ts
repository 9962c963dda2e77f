import { HypersendError } from '@hypersend/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { randomKey } from '../helpers/users.ts';
import { befriend, type SdkUser, sdkUser } from './sdk-fixtures.ts';

describe('key directory: trust on first use, key changes block sending', () => {
  let server: TestServer;
  let alice: SdkUser;
  let bob: SdkUser;

  beforeAll(async () => {
    server = await startTestServer();
    alice = await sdkUser(server, { prefix: 'alice' });
    bob = await sdkUser(server, { prefix: 'bob' });
    await befriend(alice, bob);
    await Promise.all([alice.client.connect(), bob.client.connect()]);
  });

  afterAll(async () => {
    alice?.client.close();
    bob?.client.close();
    await server?.close();
  });

  it('pins on first use, reports new devices and blocks a changed key until accepted', async () => {
    const bobId = bob.client.me!.userId;
    const bobDevice = bob.client.device!.deviceId;
    const added: string[] = [];
    const changed: Array<{ deviceId: string; previous: unknown; current: unknown }> = [];
    alice.client.on('device-added', (e) => added.push(e.deviceId));
    alice.client.on('key-changed', (e) => changed.push(e));

    // First use: pinned silently.
    const first = await alice.client.keys.devicesOf(bob.username);
    expect(first.map((d) => d.deviceId)).toEqual([bobDevice]);
    expect(added).toEqual([]);
    alice.client.keys.assertSendable(bobId, bobDevice);
    const before = await alice.client.keys.safetyNumber(bob.username);

    // A new device of a known contact is recorded and announced.
    const tablet = { deviceId: 'd_tablet', name: 'tablet', x25519: randomKey(), ed25519: randomKey() };
    await bob.client.api.registerDevice(tablet);
    await alice.client.keys.devicesOf(bob.username);
    expect(added).toEqual(['d_tablet']);
    expect(alice.client.keys.isBlocked(bobId, 'd_tablet')).toBe(false);

    // The same device id with other keys: key-changed, and sending to it is refused.
    const rogue = { ...tablet, x25519: randomKey(), ed25519: randomKey() };
    await bob.client.api.registerDevice(rogue);
    const devices = await alice.client.keys.devicesOf(bob.username);
    expect(devices.find((d) => d.deviceId === 'd_tablet')?.blocked).toBe(true);
    expect(devices.find((d) => d.deviceId === bobDevice)?.blocked).toBe(false);
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({
      deviceId: 'd_tablet',
      previous: { x25519: tablet.x25519, ed25519: tablet.ed25519 },
      current: { x25519: rogue.x25519, ed25519: rogue.ed25519 },
    });
    // Asking again does not announce the same change twice.
    await alice.client.keys.devicesOf(bob.username);
    expect(changed).toHaveLength(1);

    expect(alice.client.keys.isBlocked(bob.username, 'd_tablet')).toBe(true);
    expect(() => alice.client.keys.assertSendable(bobId, 'd_tablet')).toThrow(
      expect.objectContaining({ code: 'key_changed' }),
    );
    const refused = await alice.client.signaling
      .sendSignal({ user: bobId, device: 'd_tablet' }, 'offer', 's1', {})
      .catch((e: unknown) => e);
    expect(HypersendError.is(refused, 'key_changed')).toBe(true);
    // The phone's key did not change: its safety number is unaffected, and it is still reachable.
    expect(await alice.client.keys.safetyNumber(bob.username, bobDevice)).toBe(before);
    await alice.client.signaling.sendSignal({ user: bobId, device: bobDevice }, 'offer', 's2', {});

    // Accepted after verification: the new key is pinned and sending is allowed again (the
    // tablet has no connection, so the server now answers peer_offline rather than the SDK refusing).
    await alice.client.keys.acceptKeyChange(bobId, 'd_tablet');
    expect(alice.client.keys.isBlocked(bobId, 'd_tablet')).toBe(false);
    alice.client.keys.assertSendable(bobId, 'd_tablet');
    const offline = await alice.client.signaling
      .sendSignal({ user: bobId, device: 'd_tablet' }, 'offer', 's3', {})
      .catch((e: unknown) => e);
    expect(HypersendError.is(offline, 'peer_offline')).toBe(true);
    const again = await alice.client.keys.devicesOf(bob.username);
    expect(again.every((d) => !d.blocked)).toBe(true);
    expect(changed).toHaveLength(1);
  });

  it('re-registers this device when the server has other keys for it', async () => {
    const device = bob.client.device!;
    await bob.client.api.registerDevice({
      deviceId: device.deviceId,
      name: device.name,
      x25519: randomKey(),
      ed25519: randomKey(),
    });
    bob.client.disconnect();
    await bob.client.connect();
    const mine = (await bob.client.devices.list()).find((d) => d.deviceId === device.deviceId);
    const alicesView = await alice.client.keys.devicesOf(bob.username);
    expect(mine).toBeDefined();
    // Back to the pinned keys: nothing is pending on Alice's side.
    expect(alicesView.find((d) => d.deviceId === device.deviceId)?.blocked).toBe(false);
  });

  it('throws not_found for a device that was never looked up', () => {
    expect(() => alice.client.keys.assertSendable('u_unknown', 'd_unknown')).toThrow(
      expect.objectContaining({ code: 'not_found' }),
    );
  });
});
