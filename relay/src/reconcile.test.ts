import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/src/helpers/server.ts';
import { registerUser } from '../../test/src/helpers/users.ts';
import { loadRelayConfig } from './config.ts';
import type { RelayObjectStore } from './relay-store.ts';
import { createRelayServer } from './server.ts';
import { createSqliteRelayStore } from './sqlite-relay-store.ts';
import { createUpload, patchUpload, tusHeaders } from './test-support.ts';

// A crash after the final fsync but before the record is marked complete leaves every byte on
// disk and the record `uploading`. The uploader's HEAD after restart must finish the job.

let signaling: TestServer;
let dataDir: string;
let store: RelayObjectStore;

beforeAll(async () => {
  signaling = await startTestServer();
  dataDir = await mkdtemp(join(tmpdir(), 'hypersend-relay-reconcile-'));
  store = createSqliteRelayStore({ path: ':memory:' });
});
afterAll(async () => {
  await store?.close();
  await signaling?.close();
  await rm(dataDir, { recursive: true, force: true });
});

it('completes an upload whose bytes are all durable when the uploader asks for the offset', async () => {
  // A store whose markComplete is lost, as if the process died right before it.
  let dropCompletion = true;
  const flaky: RelayObjectStore = {
    ...store,
    markComplete: (id) => (dropCompletion ? Promise.resolve(true) : store.markComplete(id)),
  };
  const config = loadRelayConfig({
    RELAY_PORT: '0',
    RELAY_DATA_DIR: dataDir,
    RELAY_JWKS_URL: `${signaling.url}/v1/jwks.json`,
    RELAY_JWT_ISSUER: signaling.url,
    LOG_LEVEL: 'silent',
  });
  const relay = await createRelayServer({ config, store: flaky });
  try {
    const [alice, bob] = await Promise.all([registerUser(signaling), registerUser(signaling)]);
    const created = await createUpload(relay.url, alice.accessToken, { recipient: bob.userId, length: 100 });
    const url = new URL(created.headers.get('location') ?? '', relay.url).toString();
    expect((await patchUpload(url, alice.accessToken, 0, new Uint8Array(100))).status).toBe(204);
    const id = url.slice(url.lastIndexOf('/') + 1);
    expect((await store.get(id))?.state).toBe('uploading');

    dropCompletion = false;
    const head = await fetch(url, { method: 'HEAD', headers: tusHeaders(alice.accessToken) });
    expect(head.headers.get('upload-offset')).toBe('100');
    expect((await store.get(id))?.state).toBe('complete');
    const got = await fetch(`${relay.url}/v1/objects/${id}`, {
      headers: { authorization: `Bearer ${bob.accessToken}` },
    });
    expect(got.status).toBe(200);
  } finally {
    await relay.close();
  }
});
