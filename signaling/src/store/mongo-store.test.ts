import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { useMongoTestDb } from '../../../test/src/fixtures/mongo-test-db.ts';
import { createMongoStore } from './mongo-store.ts';
import { describeStoreContract } from './store.contract.ts';

const mongo = useMongoTestDb('hypersend_test');
const { db } = mongo;
const requireUri = () => mongo.uri();

describeStoreContract('mongodb', () => createMongoStore({ uri: requireUri(), db }));

describe('mongo store specifics', () => {
  it('has a MongoDB server to test against', () => {
    expect(requireUri()).toMatch(/^mongodb(\+srv)?:\/\//);
  });

  it('creates its indexes at start-up, idempotently', async () => {
    const first = await createMongoStore({ uri: requireUri(), db });
    const second = await createMongoStore({ uri: requireUri(), db });
    const client = new MongoClient(requireUri());
    try {
      const keys = async (name: string) =>
        (await client.db(db).collection(name).listIndexes().toArray()).map((i) => ({
          key: i.key as Record<string, number>,
          unique: i.unique === true,
        }));
      expect(await keys('users')).toEqual(
        expect.arrayContaining([
          { key: { id: 1 }, unique: true },
          { key: { username: 1 }, unique: true },
        ]),
      );
      expect(await keys('refreshTokens')).toEqual(
        expect.arrayContaining([
          { key: { tokenHash: 1 }, unique: true },
          { key: { familyId: 1 }, unique: false },
          { key: { purgeAt: 1 }, unique: false },
        ]),
      );
      expect(await keys('devices')).toContainEqual({ key: { userId: 1, deviceId: 1 }, unique: true });
      expect(await keys('contactEdges')).toContainEqual({ key: { userId: 1, peerId: 1 }, unique: true });
    } finally {
      await Promise.all([first.close(), second.close(), client.close()]);
    }
  });

  it('stores a Date purgeAt next to the refresh token for the TTL index', async () => {
    const store = await createMongoStore({ uri: requireUri(), db });
    const client = new MongoClient(requireUri());
    try {
      const expiresAt = Date.now() + 60_000;
      const base = {
        familyId: 'f_ttl',
        userId: 'u_ttl',
        createdAt: Date.now(),
        usedAt: null,
        revoked: false,
      };
      await store.insertRefreshToken({ ...base, tokenHash: 'ttl-probe', expiresAt });
      const doc = await client.db(db).collection('refreshTokens').findOne({ tokenHash: 'ttl-probe' });
      const purgeAt: unknown = doc?.purgeAt;
      expect(purgeAt).toBeInstanceOf(Date);
      expect((purgeAt as Date).getTime()).toBeGreaterThan(expiresAt);
    } finally {
      await Promise.all([store.close(), client.close()]);
    }
  });

  it('rejects at start-up when the server cannot be reached', async () => {
    await expect(
      createMongoStore({ uri: 'mongodb://127.0.0.1:1/', db, serverSelectionTimeoutMS: 300 }),
    ).rejects.toThrow();
  });
});
