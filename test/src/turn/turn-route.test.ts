import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TurnCredentialsResponse } from '../../../signaling/src/turn/turn-credentials.ts';
import { type CoturnInstance, startCoturn, TurnClient } from '../../../turn/src/index.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { registerUser, type TestUser } from '../helpers/users.ts';

// The route as the server registers it from HYPERSEND_TURN_* settings, and the credentials it
// hands out checked by a real coturn.
const NEW = 'Hy5pQ2wE8rT1yU4iO7pA3sD6fG9hJ0kL-new';
const OLD = 'Zq8vN3kP0wR7tY2uB5xC9mL4hJ6gF1dS-old';

let server: TestServer;
let coturn: CoturnInstance;
let user: TestUser;
let baseUrl: string;

beforeAll(async () => {
  coturn = await startCoturn({ secrets: [NEW, OLD] });
  server = await startTestServer({
    HYPERSEND_TURN_SECRETS: `${NEW},${OLD}`,
    HYPERSEND_TURN_URIS: `stun:127.0.0.1:${coturn.port},${coturn.url}`,
    HYPERSEND_TURN_TTL: '600',
    HYPERSEND_TURN_MINTS_PER_MINUTE: '2',
  });
  baseUrl = server.url;
  user = await registerUser(server);
});

afterAll(async () => {
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
