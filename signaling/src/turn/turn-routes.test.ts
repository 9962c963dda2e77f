import uWS from 'uWebSockets.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/src/helpers/server.ts';
import { registerUser, type TestUser } from '../../../test/src/helpers/users.ts';
import { type CoturnInstance, startCoturn, TurnClient } from '../../../turn/src/index.ts';
import { systemClock } from '../context.ts';
import { registerRoutes } from '../http/router.ts';
import { turnRoutes } from '../http/turn-routes.ts';
import { createTurnCredentialIssuer, type TurnCredentialsResponse } from './turn-credentials.ts';

// The route on the real router, authenticated by a real signaling server's token verifier, and the
// credentials it hands out checked by a real coturn. Until server.ts registers `turnRoutes`, the
// route is mounted on its own uWS app that shares the test server's context.
const NEW = 'Hy5pQ2wE8rT1yU4iO7pA3sD6fG9hJ0kL-new';
const OLD = 'Zq8vN3kP0wR7tY2uB5xC9mL4hJ6gF1dS-old';

let server: TestServer;
let coturn: CoturnInstance;
let user: TestUser;
let baseUrl: string;
let listenSocket: uWS.us_listen_socket | undefined;

beforeAll(async () => {
  [server, coturn] = await Promise.all([startTestServer(), startCoturn({ secrets: [NEW, OLD] })]);
  user = await registerUser(server);
  const issuer = createTurnCredentialIssuer({
    secrets: [NEW, OLD],
    uris: [`stun:127.0.0.1:${coturn.port}`, coturn.url],
    ttlSeconds: 600,
    mintsPerMinute: 2,
    clock: systemClock,
  });
  const app = uWS.App();
  registerRoutes(app, server.context, turnRoutes({ turn: issuer }));
  listenSocket = await new Promise<uWS.us_listen_socket>((resolve, reject) => {
    app.listen('127.0.0.1', 0, (socket) => (socket ? resolve(socket) : reject(new Error('listen failed'))));
  });
  baseUrl = `http://127.0.0.1:${uWS.us_socket_local_port(listenSocket)}`;
});

afterAll(async () => {
  if (listenSocket) uWS.us_listen_socket_close(listenSocket);
  await Promise.all([server?.close(), coturn?.stop()]);
});

const post = (token?: string) =>
  fetch(`${baseUrl}/v1/turn/credentials`, {
    method: 'POST',
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: AbortSignal.timeout(5000),
  });

describe('POST /v1/turn/credentials', () => {
  it('refuses anonymous callers with 401', async () => {
    const res = await post();
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('issues credentials for the caller that coturn accepts, then rate-limits with 429', async () => {
    const res = await post(user.accessToken);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as TurnCredentialsResponse;
    const turn = body.iceServers[1];
    expect(body.iceServers[0]).toEqual({ urls: [`stun:127.0.0.1:${coturn.port}`] });
    expect(turn?.urls).toEqual([coturn.url]);
    expect(turn?.username).toBe(`${body.expiresAt}:${user.userId}`);

    const client = await TurnClient.open({ host: '127.0.0.1', port: coturn.port });
    try {
      const allocation = await client.allocate({
        username: turn?.username ?? '',
        password: turn?.credential ?? '',
      });
      expect(allocation.ok).toBe(true);
    } finally {
      await client.close();
    }

    expect((await post(user.accessToken)).status).toBe(200);
    const limited = await post(user.accessToken);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ error: { code: 'rate_limited' } });
  });
});
