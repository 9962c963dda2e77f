import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type RelayNotice, RelayNotice as RelayNoticeSchema } from '@hypersend/protocol';
import Database from 'better-sqlite3';
import { assertNoticeId, type RelayNoticeStore } from './notice-store.ts';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS relay_notices (
    id TEXT PRIMARY KEY,
    to_user TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    body TEXT NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS relay_notices_to ON relay_notices (to_user, created_at);
  CREATE INDEX IF NOT EXISTS relay_notices_expiry ON relay_notices (expires_at);
  CREATE INDEX IF NOT EXISTS relay_notices_to_device
    ON relay_notices (to_user, json_extract(body, '$.to.device'), created_at, id);
`;
// The device is read from the stored body through an expression index rather than a new column:
// files written before the per-device listing existed are served without a migration. Queries
// must spell the expression exactly as the index does for SQLite to use it.

/** One device's listing; exported so a test can check SQLite plans it on `relay_notices_to_device`. */
export const LIST_FOR_DEVICE_SQL = `SELECT body FROM relay_notices
  WHERE to_user = ? AND json_extract(body, '$.to.device') = ? AND expires_at > ?
  ORDER BY created_at, id LIMIT ?`;

/**
 * Relay notices in their own embedded SQLite file (WAL): separate from the main store so this
 * feature owns its schema. `':memory:'` for tests.
 *
 * @example
 * const notices = createSqliteNoticeStore({ path: join(dataDir, 'relay-notices.db') });
 */
export function createSqliteNoticeStore(options: { path: string }): RelayNoticeStore {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 });
  const db = new Database(options.path);
  if (options.path !== ':memory:') db.pragma('journal_mode = WAL');
  db.exec(SCHEMA);
  const insert = db.prepare(
    'INSERT OR IGNORE INTO relay_notices (id, to_user, created_at, expires_at, body) VALUES (?, ?, ?, ?, ?)',
  );
  const list = db.prepare(
    'SELECT body FROM relay_notices WHERE to_user = ? AND expires_at > ? ORDER BY created_at, id LIMIT ?',
  );
  const listDevice = db.prepare(LIST_FOR_DEVICE_SQL);
  const count = db.prepare('SELECT count(*) AS n FROM relay_notices WHERE to_user = ? AND expires_at > ?');
  const del = db.prepare('DELETE FROM relay_notices WHERE id = ? AND to_user = ?');
  const sweep = db.prepare('DELETE FROM relay_notices WHERE expires_at <= ?');
  let closed = false;
  const open = (): void => {
    if (closed) throw new Error('relay notice store is closed');
  };
  return {
    kind: 'sqlite',
    async insert(n) {
      open();
      const body = JSON.stringify(RelayNoticeSchema.parse(n));
      return insert.run(n.id, n.to.user, n.createdAt, n.expiresAt, body).changes === 1;
    },
    async listFor(userId, now, limit) {
      assertNoticeId(userId, 'userId');
      open();
      const rows = list.all(userId, now, limit) as Array<{ body: string }>;
      return rows.map((r) => RelayNoticeSchema.parse(JSON.parse(r.body)) as RelayNotice);
    },
    async listForDevice(userId, deviceId, now, limit) {
      assertNoticeId(userId, 'userId');
      assertNoticeId(deviceId, 'deviceId');
      open();
      const rows = listDevice.all(userId, deviceId, now, limit) as Array<{ body: string }>;
      return rows.map((r) => RelayNoticeSchema.parse(JSON.parse(r.body)) as RelayNotice);
    },
    async countFor(userId, now) {
      assertNoticeId(userId, 'userId');
      open();
      return (count.get(userId, now) as { n: number }).n;
    },
    async deleteFor(userId, id) {
      assertNoticeId(userId, 'userId');
      assertNoticeId(id, 'id');
      open();
      return del.run(id, userId).changes === 1;
    },
    async deleteExpired(now) {
      open();
      return sweep.run(now).changes;
    },
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
