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
});
