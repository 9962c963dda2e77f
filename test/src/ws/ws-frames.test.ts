import { CloseCode, MAX_WS_PAYLOAD_BYTES } from '@hypersend/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HARD_MAX_PAYLOAD_BYTES } from '../../../signaling/src/ws/gateway.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { registerDevice, registerUser, type TestDevice, type TestUser } from '../helpers/users.ts';
import { connectWs, type TestSocket } from '../helpers/ws-client.ts';

describe('/v1/ws frames and limits', () => {
  let server: TestServer;
  let alice: TestUser;
  let laptop: TestDevice;
  const open = () => connectWs(server, { token: alice.accessToken, device: laptop.deviceId });

  beforeAll(async () => {
    server = await startTestServer();
    alice = await registerUser(server);
    laptop = await registerDevice(server, alice);
  });
  afterAll(async () => {
    await server?.close();
  });

  const expectBad = async (socket: TestSocket, ref: string | undefined) => {
    const err = await socket.next('error');
    expect(err.code).toBe('bad_message');
    expect(err.message).toEqual(expect.any(String));
    if (ref === undefined) expect(err).not.toHaveProperty('ref');
    else expect(err.ref).toBe(ref);
  };

  it('answers malformed frames with bad_message, echoing the request id', async () => {
    const socket = await open();
    socket.send('{not json');
    await expectBad(socket, undefined);
    socket.send({ type: 'subscribe', id: 'm1' });
    await expectBad(socket, 'm1');
    socket.send({ type: 'signal', id: 'm2', to: { user: 'u', device: 'd' }, kind: 'offer' });
    await expectBad(socket, 'm2');
    socket.send({ type: 'ping', id: 'm3', extra: true });
    await expectBad(socket, 'm3');
    socket.send({
      type: 'signal',
      id: 'm4',
      to: { user: { $gt: '' }, device: 'd' },
      kind: 'offer',
      sid: 's',
      data: {},
    });
    await expectBad(socket, 'm4');
    socket.send(Buffer.from([0xff, 0xfe, 0x00, 0x9f, 0x80]), { binary: true });
    await expectBad(socket, undefined);
    // A JSON message in a binary frame is still a message.
    socket.send(Buffer.from('{"type":"ping","id":"b1"}'), { binary: true });
    expect(await socket.next('pong')).toEqual({ type: 'pong', ref: 'b1' });
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
    socket.close();
    await socket.closed;
  });

  it('closes with 1008 after more than 10 bad frames in a minute', async () => {
    const socket = await open();
    for (let i = 0; i < 11; i++) socket.send(`garbage ${i}`);
    const closed = await socket.closed;
    expect(closed.code).toBe(CloseCode.policyViolation);
    expect(socket.frames.filter((f) => f.type === 'error' && f.code === 'bad_message')).toHaveLength(10);
  });

  it('accepts a frame of exactly 64 KiB and closes with 1009 on a bigger one', async () => {
    const socket = await open();
    const ping = '{"type":"ping","id":"big"}';
    socket.send(' '.repeat(MAX_WS_PAYLOAD_BYTES - ping.length) + ping);
    expect(await socket.next('pong')).toEqual({ type: 'pong', ref: 'big' });
    socket.send(' '.repeat(MAX_WS_PAYLOAD_BYTES + 1 - ping.length) + ping);
    const closed = await socket.closed;
    expect(closed.code).toBe(CloseCode.tooLarge);
  });

  it('drops the connection on a frame beyond the hard limit without reading it', async () => {
    const socket = await open();
    socket.send(Buffer.alloc(HARD_MAX_PAYLOAD_BYTES + 1, 0x20));
    const closed = await socket.closed;
    // uWS closes the TCP connection without a close frame: abnormal closure, or 1009.
    expect([1006, CloseCode.tooLarge]).toContain(closed.code);
  });

  it('counts messages by type and errors by code in /metrics', async () => {
    const socket = await open();
    socket.send({ type: 'ping', id: 'x' });
    await socket.next('pong');
    socket.send('nope');
    await socket.next('error');
    socket.close();
    await socket.closed;
    // Hot-path counters are batched and flushed about once a second.
    await new Promise((r) => setTimeout(r, 1_300));
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/hypersend_ws_messages_total\{type="ping"\} [1-9]/);
    expect(text).toMatch(/hypersend_ws_messages_total\{type="invalid"\} [1-9]/);
    expect(text).toMatch(/hypersend_ws_errors_total\{code="bad_message"\} [1-9]/);
    expect(text).toMatch(/hypersend_ws_server_closes_total\{reason="bad_frames"\} 1/);
    expect(text).toMatch(/hypersend_ws_connections 0/);
  });
});

describe('/v1/ws rate limit', () => {
  let server: TestServer;
  let alice: TestUser;
  let laptop: TestDevice;

  beforeAll(async () => {
    server = await startTestServer({ HYPERSEND_WS_RATE: '1', HYPERSEND_WS_BURST: '5' });
    alice = await registerUser(server);
    laptop = await registerDevice(server, alice);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers rate_limited beyond the burst, then closes a sustained flood with 1008', async () => {
    const socket = await connectWs(server, { token: alice.accessToken, device: laptop.deviceId });
    for (let i = 0; i < 8; i++) socket.send({ type: 'ping', id: `r${i}` });
    const limited = await socket.next('error', (e) => e.code === 'rate_limited');
    expect(limited.ref).toMatch(/^r[5-7]$/);
    expect(await socket.next('pong', (p) => p.ref === 'r0')).toBeTruthy();
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);

    for (let i = 0; i < 200; i++) socket.send({ type: 'ping', id: `f${i}` });
    const closed = await socket.closed;
    expect(closed.code).toBe(CloseCode.policyViolation);
    const pongs = socket.frames.filter((f) => f.type === 'pong');
    expect(pongs.length).toBeLessThan(10);
  });
});
