import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/src/helpers/server.ts';
import {
  makeContacts,
  randomKey,
  randomUsername,
  registerDevice,
  registerUser,
  type TestUser,
} from '../../../test/src/helpers/users.ts';

let server: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
beforeAll(async () => {
  server = await startTestServer();
  [alice, bob, carol] = [await registerUser(server), await registerUser(server), await registerUser(server)];
});
afterAll(async () => {
  await server?.close();
});

const call = (method: string, path: string, user: TestUser, body?: unknown) =>
  fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${user.accessToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe('devices', () => {
  it('registers, lists, re-registers with new keys and deletes', async () => {
    const d = await registerDevice(server, alice, 'laptop');
    expect(d).toMatchObject({ deviceId: 'laptop' });
    const mine = await (await call('GET', '/v1/devices', alice)).json();
    expect(mine.userId).toBe(alice.userId);
    expect(mine.devices.map((x: { deviceId: string }) => x.deviceId)).toEqual(['laptop']);
    const rekey = await call('POST', '/v1/devices', alice, {
      deviceId: 'laptop',
      name: 'Laptop',
      x25519: randomKey(),
      ed25519: randomKey(),
    });
    expect(rekey.status).toBe(200);
    expect((await rekey.json()).createdAt).toBe(d.createdAt);
    await registerDevice(server, alice, 'phone');
    expect((await call('DELETE', '/v1/devices/phone', alice)).status).toBe(204);
    expect((await call('DELETE', '/v1/devices/phone', alice)).status).toBe(404);
  });

  it('refuses bad keys and ids', async () => {
    const res = await call('POST', '/v1/devices', alice, {
      deviceId: '../x',
      name: 'x',
      x25519: 'a',
      ed25519: 'b',
    });
    expect(res.status).toBe(400);
  });

  it('shows a user devices only to themselves and contacts; others get the missing-user 404', async () => {
    await registerDevice(server, bob, 'bob-phone');
    const stranger = await call('GET', `/v1/users/${bob.username}/devices`, alice);
    const missing = await call('GET', `/v1/users/${randomUsername('nobody')}/devices`, alice);
    expect(stranger.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(await stranger.text()).toBe(await missing.text());
    expect((await call('GET', `/v1/users/${bob.username}/devices`, bob)).status).toBe(200);

    await makeContacts(server, alice, bob);
    const contact = await call('GET', `/v1/users/${bob.username}/devices`, alice);
    expect(contact.status).toBe(200);
    const list = await contact.json();
    expect(list.userId).toBe(bob.userId);
    expect(list.devices.map((x: { deviceId: string }) => x.deviceId)).toContain('bob-phone');
    expect(await server.context.relationships.canReach(alice.userId, bob.userId)).toBe(true);
    expect(await server.context.relationships.audienceOf(bob.userId)).toEqual([alice.userId]);
  });

  it('caps devices per user', async () => {
    const dave = await registerUser(server);
    const results = [];
    for (let i = 0; i < 33; i++) {
      const res = await call('POST', '/v1/devices', dave, {
        deviceId: `d${i}`,
        name: 'd',
        x25519: randomKey(),
        ed25519: randomKey(),
      });
      results.push(res.status);
    }
    expect(results.slice(0, 32).every((s) => s === 201)).toBe(true);
    expect(results[32]).toBe(409);
  });
});

describe('contacts', () => {
  it('answers a request to a nonexistent user exactly like one to an existing user', async () => {
    const real = await call('POST', '/v1/contacts/requests', carol, { username: bob.username });
    const ghost = await call('POST', '/v1/contacts/requests', carol, { username: randomUsername('ghost') });
    expect(real.status).toBe(202);
    expect(ghost.status).toBe(202);
    expect(await real.text()).toBe(await ghost.text());
    const bobs = await (await call('GET', '/v1/contacts', bob)).json();
    expect(bobs.contacts).toContainEqual(
      expect.objectContaining({ userId: carol.userId, state: 'incoming' }),
    );
    const carols = await (await call('GET', '/v1/contacts', carol)).json();
    expect(carols.contacts).toContainEqual(
      expect.objectContaining({ userId: bob.userId, state: 'requested' }),
    );
  });

  it('turns mutual requests into an accepted contact', async () => {
    const [x, y] = [await registerUser(server), await registerUser(server)];
    await call('POST', '/v1/contacts/requests', x, { username: y.username });
    await call('POST', '/v1/contacts/requests', y, { username: x.username });
    expect(await server.context.relationships.canReach(x.userId, y.userId)).toBe(true);
    expect((await call('DELETE', `/v1/contacts/${y.userId}`, x)).status).toBe(204);
    expect(await server.context.relationships.canReach(y.userId, x.userId)).toBe(false);
  });

  it('accept without a pending request is 404', async () => {
    const x = await registerUser(server);
    expect((await call('POST', `/v1/contacts/${carol.userId}/accept`, x)).status).toBe(404);
  });

  it('block removes the relationship and silently swallows future requests', async () => {
    const [x, y] = [await registerUser(server), await registerUser(server)];
    await makeContacts(server, x, y);
    expect((await call('POST', `/v1/contacts/${y.userId}/block`, x)).status).toBe(204);
    expect(await server.context.relationships.canReach(y.userId, x.userId)).toBe(false);
    const ys = await (await call('GET', '/v1/contacts', y)).json();
    expect(ys.contacts).toEqual([]);
    expect((await call('POST', '/v1/contacts/requests', y, { username: x.username })).status).toBe(202);
    const xs = await (await call('GET', '/v1/contacts', x)).json();
    expect(xs.contacts).toEqual([expect.objectContaining({ userId: y.userId, state: 'blocked' })]);
    expect((await call('GET', `/v1/users/${x.username}/devices`, y)).status).toBe(404);
  });
});
