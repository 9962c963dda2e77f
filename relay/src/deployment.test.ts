import { createHash, randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/src/helpers/server.ts';
import { registerUser } from '../../test/src/helpers/users.ts';
import { createUpload, patchUpload, startTestRelay } from './test-support.ts';

// The relay with MongoDB metadata end to end, and its answer when signaling's keys are unreachable.

let signaling: TestServer;
const db = `hypersend_relay_e2e_${randomBytes(6).toString('hex')}`;
const uri = inject('mongodbUri');

beforeAll(async () => {
  signaling = await startTestServer();
});
afterAll(async () => {
  await signaling?.close();
  if (uri) {
    const client = new MongoClient(uri);
    await client.db(db).dropDatabase();
    await client.close();
  }
});

describe('relay deployments', () => {
  it('uploads, downloads and acks with object metadata in MongoDB', async () => {
    if (!uri) throw new Error('no MongoDB for this run (see test/src/fixtures/mongo-global-setup.ts)');
    const relay = await startTestRelay(signaling.url, { MONGODB_URI: uri, MONGODB_DB: db });
    try {
      const [alice, bob] = await Promise.all([registerUser(signaling), registerUser(signaling)]);
      const body = randomBytes(50_000);
      const created = await createUpload(relay.url, alice.accessToken, {
        recipient: bob.userId,
        length: body.length,
      });
      expect(created.status).toBe(201);
      const url = new URL(created.headers.get('location') ?? '', relay.url).toString();
      expect((await patchUpload(url, alice.accessToken, 0, body)).status).toBe(204);
      const id = url.slice(url.lastIndexOf('/') + 1);
      const auth = { authorization: `Bearer ${bob.accessToken}` };
      const got = await fetch(`${relay.url}/v1/objects/${id}`, { headers: auth });
      const hash = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
      expect(hash(new Uint8Array(await got.arrayBuffer()))).toBe(hash(body));
      expect(
        (await fetch(`${relay.url}/v1/objects/${id}/ack`, { method: 'POST', headers: auth })).status,
      ).toBe(204);
      const client = new MongoClient(uri);
      try {
        expect(await client.db(db).collection('relayObjects').countDocuments({ id })).toBe(0);
        expect(
          await client
            .db(db)
            .collection<{ _id: string; bytes: number }>('relayUsage')
            .findOne({ _id: alice.userId }),
        ).toMatchObject({
          bytes: 0,
        });
      } finally {
        await client.close();
      }
    } finally {
      await relay.close();
    }
  });

  it('answers 503 when the JWKS cannot be fetched, so clients retry rather than re-login', async () => {
    const relay = await startTestRelay('http://127.0.0.1:1');
    try {
      const alice = await registerUser(signaling);
      const res = await fetch(`${relay.url}/v1/objects`, {
        headers: { authorization: `Bearer ${alice.accessToken}` },
      });
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error: { code: 'unavailable' } });
    } finally {
      await relay.close();
    }
  });
});
