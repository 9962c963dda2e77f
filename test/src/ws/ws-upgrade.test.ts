import { CloseCode, WS_SUBPROTOCOL } from '@hypersend/protocol';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { registerDevice, registerUser, type TestDevice, type TestUser } from '../helpers/users.ts';
import { connectWs, refusedWs } from '../helpers/ws-client.ts';

const ALLOWED = 'https://app.example';

describe('/v1/ws upgrade', () => {
  let server: TestServer;
  let alice: TestUser;
  let laptop: TestDevice;
  let clockOffset = 0;

  beforeAll(async () => {
    server = await startTestServer(
      { HYPERSEND_ALLOWED_ORIGINS: `${ALLOWED}, https://other.example` },
      { clock: { now: () => Date.now() + clockOffset } },
    );
    alice = await registerUser(server);
    laptop = await registerDevice(server, alice);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('accepts a bearer token, selects hypersend.v1 and says hello', async () => {
    const socket = await connectWs(server, { token: alice.accessToken, device: laptop.deviceId });
    // The server picks the version token and never echoes the credential.
    expect(socket.ws.protocol).toBe(WS_SUBPROTOCOL);
    const hello = await socket.next('hello');
    expect(hello).toMatchObject({ v: 1, user: alice.userId, device: laptop.deviceId });
    expect(hello.heartbeatMs).toBeGreaterThan(0);
    socket.send({ type: 'ping', id: 'p1' });
    expect(await socket.next('pong')).toEqual({ type: 'pong', ref: 'p1' });
    socket.close();
    await socket.closed;
  });

  it('refuses a missing credential with 401', async () => {
    expect((await refusedWs(server, { device: laptop.deviceId })).status).toBe(401);
  });

  it('refuses a garbage or forged token with 401', async () => {
    expect((await refusedWs(server, { token: 'not-a-jwt', device: laptop.deviceId })).status).toBe(401);
    const [h, p] = alice.accessToken.split('.');
    const tampered = `${h}.${p}.${'A'.repeat(86)}`;
    expect((await refusedWs(server, { token: tampered, device: laptop.deviceId })).status).toBe(401);
  });

  it('refuses an expired token with 401', async () => {
    // Signed with a foreign key too, but expiry alone must already fail it: exp in the past.
    const key = new TextEncoder().encode('x'.repeat(32));
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(alice.userId)
      .setIssuedAt(1_600_000_000)
      .setExpirationTime(1_600_000_060)
      .sign(key);
    expect((await refusedWs(server, { token: expired, device: laptop.deviceId })).status).toBe(401);
  });

  it('refuses an expired token of its own signing with 401', async () => {
    const bob = await registerUser(server);
    const phone = await registerDevice(server, bob);
    // The server reads time through its injected clock: move it past the token lifetime (900 s).
    clockOffset = 3_600_000;
    try {
      expect((await refusedWs(server, { token: bob.accessToken, device: phone.deviceId })).status).toBe(401);
    } finally {
      clockOffset = 0;
    }
  });

  it('refuses a token in the URL or in the wrong header with 401', async () => {
    const inUrl = await refusedWs(server, {
      device: laptop.deviceId,
      query: `access_token=${alice.accessToken}`,
    });
    expect(inUrl.status).toBe(401);
    // A valid credential elsewhere does not make a token in the URL acceptable.
    const both = await refusedWs(server, {
      token: alice.accessToken,
      device: laptop.deviceId,
      query: `token=${alice.accessToken}`,
    });
    expect(both.status).toBe(401);
    const header = await refusedWs(server, {
      device: laptop.deviceId,
      headers: { authorization: `Bearer ${alice.accessToken}` },
    });
    expect(header.status).toBe(401);
  });

  it('refuses a client that does not offer hypersend.v1 with 400', async () => {
    const r = await refusedWs(server, {
      device: laptop.deviceId,
      protocols: [`bearer.${alice.accessToken}`],
    });
    expect(r.status).toBe(400);
  });

  it('accepts a ticket once and only once', async () => {
    const res = await fetch(`${server.url}/v1/ws-ticket`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.accessToken}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(200);
    const { ticket } = (await res.json()) as { ticket: string };
    const first = await connectWs(server, { ticket, device: laptop.deviceId });
    expect(first.ws.protocol).toBe(WS_SUBPROTOCOL);
    first.close();
    await first.closed;
    expect((await refusedWs(server, { ticket, device: laptop.deviceId })).status).toBe(401);
    expect((await refusedWs(server, { ticket: 'made-up-ticket', device: laptop.deviceId })).status).toBe(401);
  });

  it('refuses a foreign Origin with 403 and accepts an allowed one', async () => {
    const foreign = await refusedWs(server, {
      token: alice.accessToken,
      device: laptop.deviceId,
      origin: 'https://evil.example',
    });
    expect(foreign.status).toBe(403);
    expect(
      (await refusedWs(server, { token: alice.accessToken, device: laptop.deviceId, origin: 'null' })).status,
    ).toBe(403);
    const ok = await connectWs(server, {
      token: alice.accessToken,
      device: laptop.deviceId,
      origin: ALLOWED,
    });
    ok.close();
    await ok.closed;
  });

  it('refuses a device that is not registered to the caller', async () => {
    const bob = await registerUser(server);
    const bobsPhone = await registerDevice(server, bob);
    expect((await refusedWs(server, { token: alice.accessToken, device: 'no-such-device' })).status).toBe(
      403,
    );
    expect((await refusedWs(server, { token: alice.accessToken, device: bobsPhone.deviceId })).status).toBe(
      403,
    );
    expect((await refusedWs(server, { token: alice.accessToken })).status).toBe(400);
    expect((await refusedWs(server, { token: alice.accessToken, device: '../x' })).status).toBe(400);
  });

  it('counts refused upgrades by reason in /metrics', async () => {
    await refusedWs(server, { token: 'nope', device: laptop.deviceId });
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/hypersend_ws_auth_failures_total\{reason="bad_token"\} \d+/);
    expect(text).toMatch(/hypersend_ws_auth_failures_total\{reason="origin"\} \d+/);
  });

  it('closes the socket with 4002 when the access token expires', async () => {
    const carol = await registerUser(server);
    const tablet = await registerDevice(server, carol);
    // 900 s token, clock moved to 3 s (plus jose's 5 s tolerance) before expiry: still accepted.
    clockOffset = 897_000;
    try {
      const socket = await connectWs(server, { token: carol.accessToken, device: tablet.deviceId });
      const closed = await socket.closed;
      expect(closed.code).toBe(CloseCode.tokenExpired);
    } finally {
      clockOffset = 0;
    }
  });
});
