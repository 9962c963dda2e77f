import { type RelayNotice, RelayNotice as RelayNoticeSchema } from '@hypersend/protocol';
import { MongoClient, MongoServerError } from 'mongodb';
import { assertNoticeId, type RelayNoticeStore } from './notice-store.ts';

/** The stored document: the notice plus flat fields for the indexes. */
interface NoticeDoc {
  id: string;
  toUser: string;
  createdAt: number;
  expiresAt: number;
  notice: RelayNotice;
}

/**
 * Relay notices in the `relayNotices` collection. Every input is an `Id`-validated string already
 * (the service parses with the protocol schemas), and queries use `$eq`, so nothing a client sends
 * can become an operator. Expiry is checked in every query (FerretDB has no TTL indexes); the
 * service's sweeper removes expired documents.
 *
 * @example
 * const notices = await createMongoNoticeStore({ uri, db: 'hypersend' });
 */
export async function createMongoNoticeStore(options: {
  uri: string;
  db: string;
}): Promise<RelayNoticeStore> {
  const client = new MongoClient(options.uri);
  await client.connect();
  const col = client.db(options.db).collection<NoticeDoc>('relayNotices');
  await col.createIndex({ id: 1 }, { unique: true });
  await col.createIndex({ toUser: 1, createdAt: 1 });
  // The per-device listing reads the device from the stored notice itself, so documents written
  // before that listing existed need no backfill.
  await col.createIndex({ toUser: 1, 'notice.to.device': 1, createdAt: 1, id: 1 });
  await col.createIndex({ expiresAt: 1 });
  let closed = false;
  const live = () => {
    if (closed) throw new Error('relay notice store is closed');
    return col;
  };
  return {
    kind: 'mongodb',
    async insert(n) {
      const notice = RelayNoticeSchema.parse(n);
      try {
        await live().insertOne({
          id: notice.id,
          toUser: notice.to.user,
          createdAt: notice.createdAt,
          expiresAt: notice.expiresAt,
          notice,
        });
        return true;
      } catch (err) {
        if (err instanceof MongoServerError && err.code === 11000) return false;
        throw err;
      }
    },
    async listFor(userId, now, limit) {
      assertNoticeId(userId, 'userId');
      const docs = await live()
        .find({ toUser: { $eq: userId }, expiresAt: { $gt: now } })
        .sort({ createdAt: 1, id: 1 })
        .limit(limit)
        .toArray();
      return docs.map((d) => RelayNoticeSchema.parse(d.notice));
    },
    async listForDevice(userId, deviceId, now, limit) {
      assertNoticeId(userId, 'userId');
      assertNoticeId(deviceId, 'deviceId');
      const docs = await live()
        .find({ toUser: { $eq: userId }, 'notice.to.device': { $eq: deviceId }, expiresAt: { $gt: now } })
        .sort({ createdAt: 1, id: 1 })
        .limit(limit)
        .toArray();
      return docs.map((d) => RelayNoticeSchema.parse(d.notice));
    },
    async countFor(userId, now) {
      assertNoticeId(userId, 'userId');
      return live().countDocuments({ toUser: { $eq: userId }, expiresAt: { $gt: now } });
    },
    async deleteFor(userId, id) {
      assertNoticeId(userId, 'userId');
      assertNoticeId(id, 'id');
      const r = await live().deleteOne({ id: { $eq: id }, toUser: { $eq: userId } });
      return r.deletedCount === 1;
    },
    async deleteExpired(now) {
      const r = await live().deleteMany({ expiresAt: { $lte: now } });
      return r.deletedCount;
    },
    async close() {
      if (closed) return;
      closed = true;
      await client.close();
    },
  };
}
