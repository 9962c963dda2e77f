import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { useMongoTestDb } from '../../test/src/fixtures/mongo-test-db.ts';
import { createMongoRelayStore } from './mongo-relay-store.ts';
import { describeRelayStoreContract } from './relay-store.contract.ts';

const mongo = useMongoTestDb('hypersend_relay_test');
const { db } = mongo;
const requireUri = () => mongo.uri();

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
