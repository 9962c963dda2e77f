import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  assertCount,
  assertRecord,
  assertRelayId,
  type ObjectState,
  pickRecord,
  type RelayObjectRecord,
  type RelayObjectStore,
} from './relay-store.ts';

interface Row {
  id: string;
  uploader: string;
  recipient: string;
  transfer_id: string;
  first_chunk: number;
  size: number;
  state: ObjectState;
  created_at: number;
  expires_at: number;
}

const toRecord = (r: Row): RelayObjectRecord => ({
  id: r.id,
  uploader: r.uploader,
  recipient: r.recipient,
  transferId: r.transfer_id,
  firstChunk: r.first_chunk,
  size: r.size,
  state: r.state,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

const SCHEMA = `
CREATE TABLE IF NOT EXISTS relay_objects (
  id TEXT PRIMARY KEY,
  uploader TEXT NOT NULL,
  recipient TEXT NOT NULL,
  transfer_id TEXT NOT NULL,
  first_chunk INTEGER NOT NULL,
  size INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('uploading', 'complete')),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS relay_objects_uploader ON relay_objects (uploader);
CREATE INDEX IF NOT EXISTS relay_objects_recipient ON relay_objects (recipient, created_at);
CREATE INDEX IF NOT EXISTS relay_objects_expires ON relay_objects (expires_at);
CREATE INDEX IF NOT EXISTS relay_objects_state_created ON relay_objects (state, created_at);
`;

/**
 * The embedded relay store: one SQLite file in WAL mode with `synchronous = FULL`, so a record
 * (and its `complete` state) survives a crash once the call returns. better-sqlite3 is
 * synchronous, so a transaction is atomic with respect to every other request of the process:
 * the quota check and the insert cannot interleave.
 *
 * @example
 * const store = createSqliteRelayStore({ path: join(dataDir, 'relay.db') });
 */
export function createSqliteRelayStore(options: { path: string }): RelayObjectStore {
  if (options.path !== ':memory:') {
    mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 });
  }
  const db = new Database(options.path);
  if (options.path !== ':memory:') chmodSync(options.path, 0o600);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);

  const q = {
    bytes: db.prepare<[string], { n: number | null }>(
      'SELECT SUM(size) AS n FROM relay_objects WHERE uploader = ?',
    ),
    pending: db.prepare<[string], { n: number }>(
      'SELECT COUNT(*) AS n FROM relay_objects WHERE recipient = ?',
    ),
    insert: db.prepare(
      `INSERT INTO relay_objects (id, uploader, recipient, transfer_id, first_chunk, size, state, created_at, expires_at)
       VALUES (@id, @uploader, @recipient, @transferId, @firstChunk, @size, @state, @createdAt, @expiresAt)`,
    ),
    get: db.prepare<[string], Row>('SELECT * FROM relay_objects WHERE id = ?'),
    complete: db.prepare<[string]>("UPDATE relay_objects SET state = 'complete' WHERE id = ?"),
    forRecipient: db.prepare<[string, number], Row>(
      `SELECT * FROM relay_objects WHERE recipient = ? AND state = 'complete' AND expires_at > ?
       ORDER BY created_at, id`,
    ),
    remove: db.prepare<[string], Row>('DELETE FROM relay_objects WHERE id = ? RETURNING *'),
    expired: db.prepare<[number, number, number], Row>(
      `SELECT * FROM relay_objects WHERE expires_at <= ? OR (state = 'uploading' AND created_at < ?)
       ORDER BY expires_at LIMIT ?`,
    ),
  };
  const bytesOf = (user: string) => q.bytes.get(user)?.n ?? 0;
  const pendingOf = (user: string) => q.pending.get(user)?.n ?? 0;

  const reserve = db.transaction((record: RelayObjectRecord, maxBytes: number, maxPending: number) => {
    if (bytesOf(record.uploader) + record.size > maxBytes)
      return { ok: false, reason: 'user_quota' } as const;
    if (pendingOf(record.recipient) + 1 > maxPending)
      return { ok: false, reason: 'recipient_pending' } as const;
    q.insert.run(pickRecord(record));
    return { ok: true } as const;
  });

  return {
    async reserve(record, limits) {
      assertRecord(record);
      return reserve(record, limits.maxBytesPerUser, limits.maxPendingPerRecipient);
    },
    async get(id) {
      assertRelayId(id, 'id');
      const row = q.get.get(id);
      return row ? toRecord(row) : undefined;
    },
    async markComplete(id) {
      assertRelayId(id, 'id');
      return q.complete.run(id).changes > 0;
    },
    async listForRecipient(recipient, now) {
      assertRelayId(recipient, 'recipient');
      assertCount(now, 'now');
      return q.forRecipient.all(recipient, now).map(toRecord);
    },
    async remove(id) {
      assertRelayId(id, 'id');
      const row = q.remove.get(id);
      return row ? toRecord(row) : undefined;
    },
    async listExpired(now, incompleteBefore, limit) {
      assertCount(now, 'now');
      assertCount(incompleteBefore, 'incompleteBefore');
      assertCount(limit, 'limit');
      return q.expired.all(now, incompleteBefore, limit).map(toRecord);
    },
    async usage(userId) {
      assertRelayId(userId, 'userId');
      return { bytes: bytesOf(userId), pending: pendingOf(userId) };
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
