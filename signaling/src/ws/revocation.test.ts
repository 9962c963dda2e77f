import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/src/helpers/server.ts';
import {
  makeContacts,
  postJson,
  registerDevice,
  registerUser,
  type TestDevice,
  type TestUser,
} from '../../../test/src/helpers/users.ts';
import { connectWs, type TestSocket } from '../../../test/src/helpers/ws-client.ts';

/**
 * Reachability is cached for the whole gateway, but a contact change made through the API
 * drops the pair's entry at once: the first signal after `DELETE /v1/contacts/:id` or a block is
 * refused, not the first one after the cache expires.
 */
describe('/v1/ws reachability follows contact changes immediately', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let aliceDevice: TestDevice;
  let bobDevice: TestDevice;
  const open: TestSocket[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    [alice, bob] = await Promise.all([registerUser(server), registerUser(server)]);
    aliceDevice = await registerDevice(server, alice, 'laptop');
    bobDevice = await registerDevice(server, bob, 'phone');
  });
  afterAll(async () => {
    for (const s of open) s.close();
    await server?.close();
  });

  const connect = async (user: TestUser, device: TestDevice) => {
    const socket = await connectWs(server, { token: user.accessToken, device: device.deviceId });
    open.push(socket);
    return socket;
  };
  const toBob = (id: string) => ({
    type: 'signal',
    id,
    to: { user: bob.userId, device: bobDevice.deviceId },
    kind: 'candidate',
    sid: 'sess',
    data: { n: id },
  });
  /** Send and wait for the answer to this id: 'ack' or the error code. */
  const outcome = async (a: TestSocket, id: string): Promise<string> => {
    a.send(toBob(id));
    const answer = await Promise.race([
      a.next('ack', (f) => f.ref === id).then(() => 'ack'),
      a.next('error', (f) => f.ref === id).then((f) => f.code),
    ]);
    return answer;
  };
  const del = async (user: TestUser, path: string) => {
    const res = await fetch(`${server.url}${path}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${user.accessToken}` },
    });
    expect(res.status).toBe(204);
  };

  it('refuses signals right after the contact is removed, and allows them right after re-adding', async () => {
    await makeContacts(server, alice, bob);
    const a = await connect(alice, aliceDevice);
    const b = await connect(bob, bobDevice);
    // Warm the cache: the answer "reachable" is now cached for many seconds.
    expect(await outcome(a, 'before')).toBe('ack');
    expect((await b.next('signal')).data).toEqual({ n: 'before' });

    await del(bob, `/v1/contacts/${alice.userId}`);
    expect(await outcome(a, 'after-remove')).toBe('not_reachable');

    // The negative answer is cached too; accepting again must replace it at once.
    await makeContacts(server, alice, bob);
    expect(await outcome(a, 'after-readd')).toBe('ack');
    expect((await b.next('signal')).data).toEqual({ n: 'after-readd' });
  });

  it('refuses signals right after a block', async () => {
    const a = await connect(alice, aliceDevice);
    const b = await connect(bob, bobDevice);
    expect(await outcome(a, 'pre-block')).toBe('ack');
    await b.next('signal', (f) => (f.data as { n?: string }).n === 'pre-block');

    await postJson(server, `/v1/contacts/${alice.userId}/block`, {}, { token: bob.accessToken, expect: 204 });
    expect(await outcome(a, 'post-block')).toBe('not_reachable');
    expect(await b.none('signal', 200)).toBe(true);
  });
});
