import { type Collection, type Db, type Document, MongoClient } from 'mongodb';
import type { Logger } from 'pino';
import { assertId, assertRecord, assertTime, SHAPES } from './guard.ts';
import { classifyRefreshToken, PURGE_INTERVAL_MS, REFRESH_TOKEN_RETENTION_MS } from './refresh-rules.ts';
import {
  type ContactEdge,
  type DeviceRecord,
  type RefreshTokenRecord,
  type Store,
  StoreConflictError,
  type UserRecord,
} from './store.ts';

/** Options of {@link createMongoStore}. */
export interface MongoStoreOptions {
  uri: string;
  db: string;
  /** Receives start-up notes (e.g. a server without TTL indexes). */
  log?: Pick<Logger, 'info' | 'warn'>;
  /** How long an operation waits for a reachable server (default 5000 ms, so `/readyz` answers). */
  serverSelectionTimeoutMS?: number;
}

// TTL indexes only act on Date fields and our times are epoch-millisecond numbers, so purgeable
// documents carry a Date `purgeAt` (expiresAt + retention) next to the record's own fields.
type TokenDoc = RefreshTokenRecord & { purgeAt: Date };
/** One per consumed token, `_id` = token hash: the unique `_id` makes "first consumer wins" atomic. */
type UseDoc = { _id: string; usedAt: number; purgeAt: Date };

const DUPLICATE_KEY = 11000;
const NOT_IMPLEMENTED = 238;

const codeOf = (err: unknown) => (err as { code?: unknown } | null)?.code;
const isDuplicate = (err: unknown) => codeOf(err) === DUPLICATE_KEY;

/** Copy exactly the record's fields out of a document (drops `_id`, `purgeAt`, strays). */
function pick<T>(doc: object, shape: Record<string, string>): T {
  const source = doc as Record<string, unknown>;
  // `?? null`: FerretDB 1.24 may drop null-valued fields on write, so absent means null.
  return Object.fromEntries(Object.keys(shape).map((k) => [k, source[k] ?? null])) as T;
}
const toUser = (d: object) => pick<UserRecord>(d, SHAPES.user);
const toToken = (d: object) => pick<RefreshTokenRecord>(d, SHAPES.refreshToken);
const toDevice = (d: object) => pick<DeviceRecord>(d, SHAPES.device);
const toEdge = (d: object) => pick<ContactEdge>(d, SHAPES.contactEdge);

async function insertOrConflict(insert: () => Promise<unknown>, what: string): Promise<void> {
  try {
    await insert();
  } catch (err) {
    if (isDuplicate(err)) throw new StoreConflictError(`${what} already exists`, { cause: err });
    throw err;
  }
}

/** Create indexes; returns false when the server cannot make TTL indexes (FerretDB 1.x). */
async function createIndexes(db: Db): Promise<boolean> {
  await Promise.all([
    db.collection('users').createIndex({ id: 1 }, { unique: true }),
    db.collection('users').createIndex({ username: 1 }, { unique: true }),
    db.collection('refreshTokens').createIndex({ tokenHash: 1 }, { unique: true }),
    db.collection('refreshTokens').createIndex({ familyId: 1 }),
    db.collection('devices').createIndex({ userId: 1, deviceId: 1 }, { unique: true }),
    db.collection('contactEdges').createIndex({ userId: 1, peerId: 1 }, { unique: true }),
  ]);
  try {
    for (const name of ['refreshTokens', 'refreshTokenUses'])
      await db.collection(name).createIndex({ purgeAt: 1 }, { expireAfterSeconds: 0 });
    return true;
  } catch (err) {
    if (codeOf(err) !== NOT_IMPLEMENTED) throw err;
    // A plain index keeps the periodic purge cheap.
    for (const name of ['refreshTokens', 'refreshTokenUses'])
      await db.collection(name).createIndex({ purgeAt: 1 });
    return false;
  }
}

/**
 * The MongoDB store (official driver). Connects, checks the server answers, creates its
 * indexes, then resolves. Written to the subset FerretDB 1.24 implements, because that is what
 * the tests run against here: no projections on findAndModify, no reliance on findAndModify
 * being atomic (FerretDB reads then writes), TTL indexes optional.
 *
 * @example
 * const store = await createMongoStore({ uri: 'mongodb://127.0.0.1:27017', db: 'hypersend' });
 * await store.ping();
 * await store.close();
 */
export async function createMongoStore(options: MongoStoreOptions): Promise<Store> {
  const client = new MongoClient(options.uri, {
    appName: 'hypersend-signaling',
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 5000,
  });
  await client.connect();
  let purgeTimer: NodeJS.Timeout | undefined;
  let closed = false;
  try {
    const db = client.db(options.db);
    await db.command({ ping: 1 });
    const hasTtl = await createIndexes(db);
    const users = db.collection<UserRecord>('users');
    const tokens = db.collection<TokenDoc>('refreshTokens');
    const uses = db.collection<UseDoc>('refreshTokenUses');
    const devices = db.collection<DeviceRecord>('devices');
    const edges = db.collection<ContactEdge>('contactEdges');

    if (!hasTtl) {
      options.log?.warn('MongoDB server has no TTL indexes; purging expired refresh tokens hourly');
      const purge = () => {
        const filter = { purgeAt: { $lt: new Date() } };
        Promise.all([tokens.deleteMany(filter), uses.deleteMany(filter)]).catch((err: unknown) =>
          options.log?.warn({ err }, 'refresh token purge failed'),
        );
      };
      purge();
      purgeTimer = setInterval(purge, PURGE_INTERVAL_MS);
      purgeTimer.unref();
    }

    // The driver reconnects a closed client on the next operation; a closed store must not.
    const live = <T extends Document>(c: Collection<T>): Collection<T> => {
      if (closed) throw new Error('store is closed');
      return c;
    };

    const store: Store = {
      kind: 'mongodb',

      async createUser(user) {
        assertRecord(user, SHAPES.user, 'user');
        await insertOrConflict(() => live(users).insertOne(toUser(user)), 'user');
      },
      async getUserById(id) {
        assertId(id, 'id');
        const doc = await live(users).findOne({ id: { $eq: id } });
        return doc ? toUser(doc) : null;
      },
      async getUserByUsername(username) {
        assertId(username, 'username');
        const doc = await live(users).findOne({ username: { $eq: username } });
        return doc ? toUser(doc) : null;
      },
      async ensureUser(user) {
        assertRecord(user, SHAPES.user, 'user');
        const existing = await store.getUserById(user.id);
        if (existing) return existing;
        // Not an upsert with $setOnInsert: FerretDB 1.24 drops null fields there.
        try {
          await live(users).insertOne(toUser(user));
          return toUser(user);
        } catch (err) {
          if (!isDuplicate(err)) throw err;
          // Lost a race for the same id (fine), or the username belongs to someone else.
          const winner = await store.getUserById(user.id);
          if (winner) return winner;
          throw new StoreConflictError('username already exists', { cause: err });
        }
      },

      async insertRefreshToken(token) {
        assertRecord(token, SHAPES.refreshToken, 'token');
        const doc = { ...toToken(token), purgeAt: new Date(token.expiresAt + REFRESH_TOKEN_RETENTION_MS) };
        await insertOrConflict(() => live(tokens).insertOne(doc), 'refresh token');
      },
      async consumeRefreshToken(tokenHash, now) {
        assertId(tokenHash, 'tokenHash');
        assertTime(now, 'now');
        const doc = await live(tokens).findOne({ tokenHash: { $eq: tokenHash } });
        if (!doc) return { status: 'missing' };
        const token = toToken(doc);
        const refused = classifyRefreshToken(token, now);
        if (refused) return refused;
        // The claim decides who wins concurrent consumes, on MongoDB and FerretDB alike.
        try {
          await live(uses).insertOne({ _id: tokenHash, usedAt: now, purgeAt: doc.purgeAt });
        } catch (err) {
          if (!isDuplicate(err)) throw err;
          const use = await live(uses).findOne({ _id: { $eq: tokenHash } });
          return { status: 'reused', token: { ...token, usedAt: use?.usedAt ?? now } };
        }
        // Conditional, so a revocation that landed after our read still wins.
        const marked = await live(tokens).updateOne(
          { tokenHash: { $eq: tokenHash }, usedAt: { $eq: null }, revoked: { $eq: false } },
          { $set: { usedAt: now } },
        );
        if (marked.matchedCount === 0) {
          const fresh = await live(tokens).findOne({ tokenHash: { $eq: tokenHash } });
          if (!fresh) return { status: 'missing' };
          return classifyRefreshToken(toToken(fresh), now) ?? { status: 'revoked', token: toToken(fresh) };
        }
        return { status: 'ok', token };
      },
      async revokeRefreshFamily(familyId) {
        assertId(familyId, 'familyId');
        const res = await live(tokens).updateMany(
          { familyId: { $eq: familyId }, revoked: { $eq: false } },
          { $set: { revoked: true } },
        );
        return res.modifiedCount;
      },

      async putDevice(device) {
        assertRecord(device, SHAPES.device, 'device');
        const filter = { userId: { $eq: device.userId }, deviceId: { $eq: device.deviceId } };
        const replace = () =>
          live(devices).findOneAndReplace(filter, toDevice(device), {
            upsert: true,
            returnDocument: 'before',
          });
        let previous: Awaited<ReturnType<typeof replace>>;
        try {
          previous = await replace();
        } catch (err) {
          // Two upserts of a new device raced; the loser now finds the row and replaces it.
          if (!isDuplicate(err)) throw err;
          previous = await replace();
        }
        return previous ? toDevice(previous) : null;
      },
      async getDevice(userId, deviceId) {
        assertId(userId, 'userId');
        assertId(deviceId, 'deviceId');
        const doc = await live(devices).findOne({ userId: { $eq: userId }, deviceId: { $eq: deviceId } });
        return doc ? toDevice(doc) : null;
      },
      async listDevices(userId) {
        assertId(userId, 'userId');
        const docs = await live(devices)
          .find({ userId: { $eq: userId } })
          .sort({ deviceId: 1 })
          .toArray();
        return docs.map(toDevice);
      },
      async deleteDevice(userId, deviceId) {
        assertId(userId, 'userId');
        assertId(deviceId, 'deviceId');
        const res = await live(devices).deleteOne({ userId: { $eq: userId }, deviceId: { $eq: deviceId } });
        return res.deletedCount > 0;
      },

      async getContactEdge(userId, peerId) {
        assertId(userId, 'userId');
        assertId(peerId, 'peerId');
        const doc = await live(edges).findOne({ userId: { $eq: userId }, peerId: { $eq: peerId } });
        return doc ? toEdge(doc) : null;
      },
      async putContactEdge(edge) {
        assertRecord(edge, SHAPES.contactEdge, 'edge');
        const filter = { userId: { $eq: edge.userId }, peerId: { $eq: edge.peerId } };
        try {
          await live(edges).replaceOne(filter, toEdge(edge), { upsert: true });
        } catch (err) {
          if (!isDuplicate(err)) throw err;
          await live(edges).replaceOne(filter, toEdge(edge), { upsert: true });
        }
      },
      async deleteContactEdge(userId, peerId) {
        assertId(userId, 'userId');
        assertId(peerId, 'peerId');
        const res = await live(edges).deleteOne({ userId: { $eq: userId }, peerId: { $eq: peerId } });
        return res.deletedCount > 0;
      },
      async listContactEdges(userId) {
        assertId(userId, 'userId');
        const docs = await live(edges)
          .find({ userId: { $eq: userId } })
          .sort({ peerId: 1 })
          .toArray();
        return docs.map(toEdge);
      },

      async ping() {
        if (closed) throw new Error('store is closed');
        await db.command({ ping: 1 });
      },
      async close() {
        if (closed) return;
        closed = true;
        clearInterval(purgeTimer);
        await client.close();
      },
    };
    return store;
  } catch (err) {
    clearInterval(purgeTimer);
    await client.close();
    throw err;
  }
}
