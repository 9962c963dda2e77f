import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { assertId, assertRecord, assertTime, SHAPES } from './guard.ts';
import { classifyRefreshToken, PURGE_INTERVAL_MS, REFRESH_TOKEN_RETENTION_MS } from './refresh-rules.ts';
import {
  type ConsumeResult,
  type ContactEdge,
  type DeviceRecord,
  type RefreshTokenRecord,
  type Store,
  StoreConflictError,
  type UserRecord,
} from './store.ts';

/** Options of {@link createSqliteStore}. */
export interface SqliteStoreOptions {
  /** Database file, or `':memory:'` for a private in-memory database (tests). */
  path: string;
}

// Append-only: migration i moves `user_version` from i to i + 1. No foreign keys: MongoDB has
// none, and both stores must accept exactly the same inputs (the contract suite checks that).
const MIGRATIONS = [
  `
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    family_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    revoked INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
  CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_at);
  CREATE TABLE devices (
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    name TEXT NOT NULL,
    x25519 TEXT NOT NULL,
    ed25519 TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, device_id)
  ) STRICT;
  CREATE TABLE contact_edges (
    user_id TEXT NOT NULL,
    peer_id TEXT NOT NULL,
    state TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, peer_id)
  ) STRICT;
  `,
];

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length)
    throw new Error(`store schema version ${current} is newer than this server (${MIGRATIONS.length})`);
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}

function open(path: string): Database.Database {
  const inMemory = path === ':memory:';
  const created = !inMemory && !existsSync(path);
  if (!inMemory) mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new Database(path);
  // The database holds password hashes: owner-only. SQLite gives -wal/-shm the same mode.
  if (created) chmodSync(path, 0o600);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

function conflict(err: unknown, what: string): never {
  if (isUniqueViolation(err)) throw new StoreConflictError(`${what} already exists`, { cause: err });
  throw err;
}

interface UserRow {
  id: string;
  username: string;
  display_name: string;
  password_hash: string | null;
  created_at: number;
}
interface TokenRow {
  token_hash: string;
  family_id: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  revoked: number;
}
interface DeviceRow {
  user_id: string;
  device_id: string;
  name: string;
  x25519: string;
  ed25519: string;
  created_at: number;
  updated_at: number;
}
interface EdgeRow {
  user_id: string;
  peer_id: string;
  state: ContactEdge['state'];
  updated_at: number;
}

const toUser = (r: UserRow): UserRecord => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  passwordHash: r.password_hash,
  createdAt: r.created_at,
});
const toToken = (r: TokenRow): RefreshTokenRecord => ({
  tokenHash: r.token_hash,
  familyId: r.family_id,
  userId: r.user_id,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  usedAt: r.used_at,
  revoked: r.revoked !== 0,
});
const toDevice = (r: DeviceRow): DeviceRecord => ({
  userId: r.user_id,
  deviceId: r.device_id,
  name: r.name,
  x25519: r.x25519,
  ed25519: r.ed25519,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
const toEdge = (r: EdgeRow): ContactEdge => ({
  userId: r.user_id,
  peerId: r.peer_id,
  state: r.state,
  updatedAt: r.updated_at,
});

/**
 * The embedded default store: one SQLite file in WAL mode, used when no `MONGODB_URI` is set.
 * better-sqlite3 is synchronous; each call is short (indexed lookups), so the event loop is not
 * held for long, and the methods are `async` so errors surface as rejections like MongoDB's.
 *
 * @example
 * const store = createSqliteStore({ path: './.hypersend-data/hypersend.db' });
 * await store.ping();
 * await store.close();
 */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  const db = open(options.path);
  const q = {
    insertUser: db.prepare(
      'INSERT INTO users (id, username, display_name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)',
    ),
    insertUserIfAbsent: db.prepare(
      `INSERT INTO users (id, username, display_name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO NOTHING`,
    ),
    userById: db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?'),
    userByName: db.prepare<[string], UserRow>('SELECT * FROM users WHERE username = ?'),
    insertToken: db.prepare(
      `INSERT INTO refresh_tokens (token_hash, family_id, user_id, created_at, expires_at, used_at, revoked)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    tokenByHash: db.prepare<[string], TokenRow>('SELECT * FROM refresh_tokens WHERE token_hash = ?'),
    markUsed: db.prepare('UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL'),
    revokeFamily: db.prepare('UPDATE refresh_tokens SET revoked = 1 WHERE family_id = ? AND revoked = 0'),
    purgeTokens: db.prepare('DELETE FROM refresh_tokens WHERE expires_at < ?'),
    device: db.prepare<[string, string], DeviceRow>(
      'SELECT * FROM devices WHERE user_id = ? AND device_id = ?',
    ),
    upsertDevice: db.prepare(
      `INSERT INTO devices (user_id, device_id, name, x25519, ed25519, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (user_id, device_id) DO UPDATE SET name = excluded.name, x25519 = excluded.x25519,
         ed25519 = excluded.ed25519, created_at = excluded.created_at, updated_at = excluded.updated_at`,
    ),
    devices: db.prepare<[string], DeviceRow>('SELECT * FROM devices WHERE user_id = ? ORDER BY device_id'),
    deleteDevice: db.prepare('DELETE FROM devices WHERE user_id = ? AND device_id = ?'),
    edge: db.prepare<[string, string], EdgeRow>(
      'SELECT * FROM contact_edges WHERE user_id = ? AND peer_id = ?',
    ),
    upsertEdge: db.prepare(
      `INSERT INTO contact_edges (user_id, peer_id, state, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (user_id, peer_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
    ),
    deleteEdge: db.prepare('DELETE FROM contact_edges WHERE user_id = ? AND peer_id = ?'),
    edges: db.prepare<[string], EdgeRow>('SELECT * FROM contact_edges WHERE user_id = ? ORDER BY peer_id'),
    ping: db.prepare('SELECT 1'),
  };

  const consume = db.transaction((tokenHash: string, now: number): ConsumeResult => {
    const row = q.tokenByHash.get(tokenHash);
    if (!row) return { status: 'missing' };
    const token = toToken(row);
    const refused = classifyRefreshToken(token, now);
    if (refused) return refused;
    q.markUsed.run(now, tokenHash);
    return { status: 'ok', token };
  });
  const putDevice = db.transaction((d: DeviceRecord): DeviceRecord | null => {
    const previous = q.device.get(d.userId, d.deviceId);
    q.upsertDevice.run(d.userId, d.deviceId, d.name, d.x25519, d.ed25519, d.createdAt, d.updatedAt);
    return previous ? toDevice(previous) : null;
  });

  const purge = () => q.purgeTokens.run(Date.now() - REFRESH_TOKEN_RETENTION_MS);
  purge();
  const purgeTimer = setInterval(purge, PURGE_INTERVAL_MS);
  purgeTimer.unref();

  return {
    kind: 'sqlite',

    async createUser(user) {
      assertRecord(user, SHAPES.user, 'user');
      try {
        q.insertUser.run(user.id, user.username, user.displayName, user.passwordHash, user.createdAt);
      } catch (err) {
        conflict(err, 'user');
      }
    },
    async getUserById(id) {
      assertId(id, 'id');
      const row = q.userById.get(id);
      return row ? toUser(row) : null;
    },
    async getUserByUsername(username) {
      assertId(username, 'username');
      const row = q.userByName.get(username);
      return row ? toUser(row) : null;
    },
    async ensureUser(user) {
      assertRecord(user, SHAPES.user, 'user');
      try {
        q.insertUserIfAbsent.run(user.id, user.username, user.displayName, user.passwordHash, user.createdAt);
      } catch (err) {
        conflict(err, 'username');
      }
      return toUser(q.userById.get(user.id)!);
    },

    async insertRefreshToken(t) {
      assertRecord(t, SHAPES.refreshToken, 'token');
      try {
        q.insertToken.run(
          t.tokenHash,
          t.familyId,
          t.userId,
          t.createdAt,
          t.expiresAt,
          t.usedAt,
          t.revoked ? 1 : 0,
        );
      } catch (err) {
        conflict(err, 'refresh token');
      }
    },
    async consumeRefreshToken(tokenHash, now) {
      assertId(tokenHash, 'tokenHash');
      assertTime(now, 'now');
      return consume.immediate(tokenHash, now);
    },
    async revokeRefreshFamily(familyId) {
      assertId(familyId, 'familyId');
      return q.revokeFamily.run(familyId).changes;
    },

    async putDevice(device) {
      assertRecord(device, SHAPES.device, 'device');
      return putDevice.immediate(device);
    },
    async getDevice(userId, deviceId) {
      assertId(userId, 'userId');
      assertId(deviceId, 'deviceId');
      const row = q.device.get(userId, deviceId);
      return row ? toDevice(row) : null;
    },
    async listDevices(userId) {
      assertId(userId, 'userId');
      return q.devices.all(userId).map(toDevice);
    },
    async deleteDevice(userId, deviceId) {
      assertId(userId, 'userId');
      assertId(deviceId, 'deviceId');
      return q.deleteDevice.run(userId, deviceId).changes > 0;
    },

    async getContactEdge(userId, peerId) {
      assertId(userId, 'userId');
      assertId(peerId, 'peerId');
      const row = q.edge.get(userId, peerId);
      return row ? toEdge(row) : null;
    },
    async putContactEdge(edge) {
      assertRecord(edge, SHAPES.contactEdge, 'edge');
      q.upsertEdge.run(edge.userId, edge.peerId, edge.state, edge.updatedAt);
    },
    async deleteContactEdge(userId, peerId) {
      assertId(userId, 'userId');
      assertId(peerId, 'peerId');
      return q.deleteEdge.run(userId, peerId).changes > 0;
    },
    async listContactEdges(userId) {
      assertId(userId, 'userId');
      return q.edges.all(userId).map(toEdge);
    },

    async ping() {
      q.ping.get();
    },
    async close() {
      clearInterval(purgeTimer);
      if (db.open) db.close();
    },
  };
}
