import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createMongoRelayStore } from './mongo-relay-store.ts';
import { describeRelayStoreContract } from './relay-store.contract.ts';

// The URI comes from test/src/fixtures/mongo-global-setup.ts, which fails the whole run when no
// server is available: this suite must fail, never skip.
const uri = inject('mongodbUri');
const db = `hypersend_relay_test_${randomBytes(6).toString('hex')}`;

function requireUri(): string {
  if (!uri) throw new Error('No MongoDB for the relay store tests: run vitest with the repository config.');
  return uri;
}

afterAll(async () => {
  if (!uri) return;
  const client = new MongoClient(uri);
  await client.db(db).dropDatabase();
  await client.close();
});

describeRelayStoreContract('mongodb', () => createMongoRelayStore({ uri: requireUri(), db }));

describe('mongo relay store specifics', () => {
  it('has a MongoDB server to test against', () => {
    expect(requireUri()).toMatch(/^mongodb(\+srv)?:\/\//);
  });

  it('creates a unique index on the object id, idempotently', async () => {
    const a = await createMongoRelayStore({ uri: requireUri(), db });
    const b = await createMongoRelayStore({ uri: requireUri(), db });
    const client = new MongoClient(requireUri());
    try {
      const indexes = await client.db(db).collection('relayObjects').listIndexes().toArray();
      expect(
        indexes.map((i) => ({ key: i.key as Record<string, number>, unique: i.unique === true })),
      ).toContainEqual({
        key: { id: 1 },
        unique: true,
      });
    } finally {
      await Promise.all([a.close(), b.close(), client.close()]);
    }
  });
});
