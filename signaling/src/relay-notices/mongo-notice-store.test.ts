import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { useMongoTestDb } from '../../../test/src/fixtures/mongo-test-db.ts';
import { createMongoNoticeStore } from './mongo-notice-store.ts';
import { describeNoticeStoreContract } from './notice-store.contract.ts';

const mongo = useMongoTestDb('hypersend_notices_test');

describeNoticeStoreContract('mongodb', () => createMongoNoticeStore({ uri: mongo.uri(), db: mongo.db }));

describe('mongo notice store', () => {
  it('has a MongoDB server to test against', () => {
    expect(mongo.uri()).toMatch(/^mongodb(\+srv)?:\/\//);
  });

  it('indexes the per-device listing on (user, device, createdAt, id)', async () => {
    const store = await createMongoNoticeStore({ uri: mongo.uri(), db: mongo.db });
    const client = new MongoClient(mongo.uri());
    try {
      await client.connect();
      const keys = (await client.db(mongo.db).collection('relayNotices').listIndexes().toArray()).map((i) =>
        Object.keys(i.key as Record<string, unknown>),
      );
      expect(keys).toContainEqual(['toUser', 'notice.to.device', 'createdAt', 'id']);
    } finally {
      await client.close();
      await store.close();
    }
  });
});
