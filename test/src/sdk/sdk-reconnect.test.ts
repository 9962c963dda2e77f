import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type FrontPort, frontPort } from '../helpers/front-port.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { type SdkUser, sdkUser } from './sdk-fixtures.ts';

describe('SDK reconnect', () => {
  const servers: TestServer[] = [];
  let front: FrontPort | undefined;
  let user: SdkUser | undefined;
  let dataDir = '';

  afterAll(async () => {
    user?.client.close();
    for (const s of servers) await s.close().catch(() => {});
    await front?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('reconnects with backoff after the server restarts behind the same address, with a fresh token', async () => {
    // One data directory and one signing key for both server lives, as in production.
    dataDir = await mkdtemp(join(tmpdir(), 'hypersend-sdk-restart-'));
    const env = {
      HYPERSEND_DATA_DIR: dataDir,
      HYPERSEND_JWT_PRIVATE_KEY: generateKeyPairSync('ed25519')
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
    };
    front = await frontPort();
    // Each life names its own (backend) URL as token issuer, so after the restart the old access
    // token is refused (as after a signing-key rotation): the reconnect must notice the 401, refresh
    // and come back with a fresh token. Refresh tokens live in the store and survive.
    const first = await startTestServer(env);
    servers.push(first);
    front.target(Number(new URL(first.url).port));
    user = await sdkUser(front);
    const client = user.client;
    await client.connect();
    const tokenBefore = await client.session.token();

    const disconnected = client.next('disconnected');
    const closing = first.close();
    const lost = await disconnected;
    front.target(undefined);
    await closing;
    // Graceful shutdown: a `reconnect{afterMs}` frame (0-5 s), then close 1001.
    expect(lost.code).toBe(1001);
    expect(lost.reconnectInMs).toBeGreaterThanOrEqual(0);
    expect(lost.reconnectInMs).toBeLessThanOrEqual(5_000);
    expect(client.signaling.state).toBe('waiting');

    const reconnected = client.next('connected');
    // Keep the server down for a moment so at least one attempt fails and backoff kicks in.
    await new Promise((r) => setTimeout(r, 300));
    const second = await startTestServer(env);
    servers.push(second);
    front.target(Number(new URL(second.url).port));
    const hello = await reconnected;
    expect(hello.device).toBe(client.device?.deviceId);
    expect(client.signaling.state).toBe('open');
    expect(await client.session.token()).not.toBe(tokenBefore);
    expect(await client.signaling.ping()).toBeGreaterThanOrEqual(0);
  }, 30_000);
});
