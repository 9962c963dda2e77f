import { CloseCode } from '@hypersend/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import {
  makeContacts,
  registerDevice,
  registerUser,
  type TestDevice,
  type TestUser,
} from '../helpers/users.ts';
import { connectWs, type TestSocket } from '../helpers/ws-client.ts';

describe('/v1/ws signal routing and presence', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let aliceLaptop: TestDevice;
  let alicePhone: TestDevice;
  let bobPhone: TestDevice;
  let bobTablet: TestDevice;
  let carolPc: TestDevice;
  const open: TestSocket[] = [];
  const connect = async (user: TestUser, device: TestDevice) => {
    const socket = await connectWs(server, { token: user.accessToken, device: device.deviceId });
    open.push(socket);
    return socket;
  };
  const signal = (to: { user: string; device: string }, id?: string) => ({
    type: 'signal',
    ...(id === undefined ? {} : { id }),
    to,
    kind: 'offer',
    sid: 'sess-1',
    data: { sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n', nested: { ok: true } },
  });

  beforeAll(async () => {
    server = await startTestServer();
    [alice, bob, carol] = await Promise.all([
      registerUser(server),
      registerUser(server),
      registerUser(server),
    ]);
    aliceLaptop = await registerDevice(server, alice, 'laptop');
    alicePhone = await registerDevice(server, alice, 'phone');
    bobPhone = await registerDevice(server, bob, 'phone');
    bobTablet = await registerDevice(server, bob, 'tablet');
    carolPc = await registerDevice(server, carol, 'pc');
    await makeContacts(server, alice, bob);
  });
  afterAll(async () => {
    for (const s of open) s.close();
    await server?.close();
  });

  it('delivers a signal between contacts with the true sender and acks it', async () => {
    const a = await connect(alice, aliceLaptop);
    const b = await connect(bob, bobPhone);
    a.send(signal({ user: bob.userId, device: bobPhone.deviceId }, 's1'));
    expect(await a.next('ack')).toEqual({ type: 'ack', ref: 's1' });
    const got = await b.next('signal');
    expect(got).toEqual({
      type: 'signal',
      from: { user: alice.userId, device: aliceLaptop.deviceId },
      kind: 'offer',
      sid: 'sess-1',
      data: { sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n', nested: { ok: true } },
    });
    // And back, without a request id: delivered, no ack.
    b.send({ ...signal({ user: alice.userId, device: aliceLaptop.deviceId }), kind: 'answer' });
    expect((await a.next('signal')).from).toEqual({ user: bob.userId, device: bobPhone.deviceId });
    expect(await a.none('ack', 200)).toBe(true);
    a.close();
    b.close();
    await Promise.all([a.closed, b.closed]);
  });

  it('keeps signals in order even while the first waits for a relationship lookup', async () => {
    const a = await connect(alice, alicePhone);
    const b = await connect(bob, bobTablet);
    for (let i = 0; i < 20; i++)
      a.send({ ...signal({ user: bob.userId, device: bobTablet.deviceId }, `o${i}`), sid: `s${i}` });
    for (let i = 0; i < 20; i++) expect((await b.next('signal')).sid).toBe(`s${i}`);
    a.close();
    b.close();
    await Promise.all([a.closed, b.closed]);
  });

  it('answers a stranger and a nonexistent user identically, delivering nothing', async () => {
    const a = await connect(alice, aliceLaptop);
    const c = await connect(carol, carolPc);
    a.send(signal({ user: carol.userId, device: carolPc.deviceId }, 'x'));
    const stranger = await a.next('error');
    a.send(signal({ user: 'no-such-user', device: 'pc' }, 'x'));
    const nobody = await a.next('error');
    a.send(signal({ user: bob.userId, device: 'no-such-device' }, 'x'));
    const noDevice = await a.next('error');
    expect(stranger).toEqual({ type: 'error', code: 'not_reachable', message: expect.any(String), ref: 'x' });
    expect(nobody).toEqual(stranger);
    expect(noDevice).toEqual(stranger);
    // Carol cannot reach Alice either.
    c.send(signal({ user: alice.userId, device: aliceLaptop.deviceId }, 'y'));
    expect((await c.next('error')).code).toBe('not_reachable');
    expect(await c.none('signal', 200)).toBe(true);
    expect(await a.none('signal', 0)).toBe(true);
    a.close();
    c.close();
    await Promise.all([a.closed, c.closed]);
  });

  it('answers peer_offline for a registered device of a contact that is not connected', async () => {
    const a = await connect(alice, aliceLaptop);
    a.send(signal({ user: bob.userId, device: bobTablet.deviceId }, 'off'));
    expect(await a.next('error')).toMatchObject({ code: 'peer_offline', ref: 'off' });
    a.close();
    await a.closed;
  });

  it("routes between a user's own devices", async () => {
    const laptop = await connect(alice, aliceLaptop);
    const phone = await connect(alice, alicePhone);
    laptop.send(signal({ user: alice.userId, device: alicePhone.deviceId }, 'own'));
    expect(await laptop.next('ack')).toEqual({ type: 'ack', ref: 'own' });
    expect((await phone.next('signal')).from).toEqual({ user: alice.userId, device: aliceLaptop.deviceId });
    laptop.close();
    phone.close();
    await Promise.all([laptop.closed, phone.closed]);
  });

  it('pushes presence to contacts and own devices, never to strangers', async () => {
    const b = await connect(bob, bobPhone);
    const c = await connect(carol, carolPc);
    const own = await connect(alice, alicePhone);
    const a = await connect(alice, aliceLaptop);
    const online = { type: 'presence', user: alice.userId, device: aliceLaptop.deviceId, state: 'online' };
    expect(await b.next('presence', (p) => p.device === aliceLaptop.deviceId)).toEqual(online);
    expect(await own.next('presence', (p) => p.device === aliceLaptop.deviceId)).toEqual(online);
    a.close();
    await a.closed;
    expect(
      await b.next('presence', (p) => p.device === aliceLaptop.deviceId && p.state === 'offline'),
    ).toEqual({ ...online, state: 'offline' });
    expect(await c.none('presence', 300)).toBe(true);
    b.close();
    c.close();
    own.close();
    await Promise.all([b.closed, c.closed, own.closed]);
  });

  it('answers presence.query with the online devices of reachable users only', async () => {
    const a = await connect(alice, aliceLaptop);
    const b = await connect(bob, bobPhone);
    const c = await connect(carol, carolPc);
    b.send({ type: 'presence.query', id: 'q1', users: [alice.userId, carol.userId, 'nobody', alice.userId] });
    const snapshot = await b.next('presence.snapshot');
    expect(snapshot).toEqual({
      type: 'presence.snapshot',
      ref: 'q1',
      online: [{ user: alice.userId, device: aliceLaptop.deviceId }],
    });
    c.send({ type: 'presence.query', users: [alice.userId, bob.userId] });
    expect(await c.next('presence.snapshot')).toEqual({ type: 'presence.snapshot', online: [] });
    for (const s of [a, b, c]) s.close();
    await Promise.all([a.closed, b.closed, c.closed]);
  });

  it('replaces the older connection of the same device (4001) and routes to the new one', async () => {
    const b = await connect(bob, bobPhone);
    const first = await connect(alice, aliceLaptop);
    const second = await connect(alice, aliceLaptop);
    const closed = await first.closed;
    expect(closed.code).toBe(CloseCode.replaced);
    b.send(signal({ user: alice.userId, device: aliceLaptop.deviceId }, 'after'));
    expect(await b.next('ack')).toEqual({ type: 'ack', ref: 'after' });
    expect((await second.next('signal')).from.user).toBe(bob.userId);
    // The replacement is not an offline event.
    await new Promise((r) => setTimeout(r, 200));
    expect(b.frames.filter((f) => f.type === 'presence' && f.state === 'offline')).toEqual([]);
    second.close();
    b.close();
    await Promise.all([second.closed, b.closed]);
  });
});
