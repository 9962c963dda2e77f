import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { assertId, assertSafeValue, assertTime } from '../store/guard.ts';
import { StoreConflictError } from '../store/store.ts';
import type {
  ChatStore,
  ConversationRecord,
  MemberRecord,
  MessageRecord,
  NewMessage,
  PageQuery,
} from './chat-store.ts';

/** Options of {@link createSqliteChatStore}. */
export interface SqliteChatStoreOptions {
  /** Database file (normally the main store's `hypersend.db`), or `':memory:'` for tests. */
  path: string;
}

// The main store owns `PRAGMA user_version` of the shared file, so chat tracks its own schema
// version in `chat_schema`. Append-only: migration i moves the version from i to i + 1.
const MIGRATIONS = [
  `
  CREATE TABLE chat_conversations (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    direct_key TEXT NOT NULL UNIQUE,
    seq_floor INTEGER NOT NULL DEFAULT 0
  ) STRICT;
  CREATE TABLE chat_members (
    conversation_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    joined_at INTEGER NOT NULL,
    delivered INTEGER NOT NULL,
    read INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
  ) STRICT;
  CREATE INDEX chat_members_user ON chat_members (user_id, joined_at);
  CREATE TABLE chat_messages (
    conversation_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    sender_user TEXT NOT NULL,
    sender_device TEXT NOT NULL,
    kind TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    transfer_id TEXT,
    system TEXT,
    envelopes TEXT NOT NULL,
    deleted_at INTEGER,
    PRIMARY KEY (conversation_id, seq)
  ) STRICT, WITHOUT ROWID;
  CREATE UNIQUE INDEX chat_messages_client_id ON chat_messages (conversation_id, message_id);
  CREATE INDEX chat_messages_sent_at ON chat_messages (sent_at);
  CREATE TABLE chat_device_cursors (
    conversation_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, user_id, device_id)
  ) STRICT;
  `,
];

function open(path: string): Database.Database {
  const inMemory = path === ':memory:';
  const created = !inMemory && !existsSync(path);
  if (!inMemory) mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new Database(path);
  if (created) chmodSync(path, 0o600);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec('CREATE TABLE IF NOT EXISTS chat_schema (version INTEGER NOT NULL) STRICT');
  const row = db.prepare('SELECT version FROM chat_schema').get() as { version: number } | undefined;
  let version = row?.version ?? 0;
  if (version > MIGRATIONS.length)
    throw new Error(`chat schema version ${version} is newer than this server (${MIGRATIONS.length})`);
  for (; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.exec('DELETE FROM chat_schema');
      db.prepare('INSERT INTO chat_schema (version) VALUES (?)').run(version + 1);
    }).immediate();
  }
  return db;
}

interface ConversationRow {
  id: string;
  kind: ConversationRecord['kind'];
  title: string;
  created_at: number;
  created_by: string;
  direct_key: string;
}
interface MemberRow {
  conversation_id: string;
  user_id: string;
  role: MemberRecord['role'];
  joined_at: number;
  delivered: number;
  read: number;
}
interface MessageRow {
  conversation_id: string;
  seq: number;
  message_id: string;
  sender_user: string;
  sender_device: string;
  kind: MessageRecord['kind'];
  sent_at: number;
  transfer_id: string | null;
  system: string | null;
  envelopes: string;
  deleted_at: number | null;
}

const toConversation = (r: ConversationRow): ConversationRecord => ({
  id: r.id,
  kind: r.kind,
  title: r.title,
  createdAt: r.created_at,
  createdBy: r.created_by,
  directKey: r.direct_key,
});
const toMember = (r: MemberRow): MemberRecord => ({
  conversationId: r.conversation_id,
  userId: r.user_id,
  role: r.role,
  joinedAt: r.joined_at,
  delivered: r.delivered,
  read: r.read,
});
const toMessage = (r: MessageRow): MessageRecord => ({
  conversationId: r.conversation_id,
  seq: r.seq,
  messageId: r.message_id,
  senderUser: r.sender_user,
  senderDevice: r.sender_device,
  kind: r.kind,
  sentAt: r.sent_at,
  transferId: r.transfer_id,
  system: r.system === null ? null : JSON.parse(r.system),
  envelopes: JSON.parse(r.envelopes),
  deletedAt: r.deleted_at,
});
const messageParams = (m: MessageRecord) => ({
  conversation_id: m.conversationId,
  seq: m.seq,
  message_id: m.messageId,
  sender_user: m.senderUser,
  sender_device: m.senderDevice,
  kind: m.kind,
  sent_at: m.sentAt,
  transfer_id: m.transferId,
  system: m.system === null ? null : JSON.stringify(m.system),
  envelopes: JSON.stringify(m.envelopes),
  deleted_at: m.deletedAt,
});

const isUnique = (err: unknown) => {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
};

function checkMessage(m: NewMessage): void {
  assertId(m.conversationId, 'conversationId');
  assertId(m.messageId, 'messageId');
  assertId(m.senderUser, 'senderUser');
  assertId(m.senderDevice, 'senderDevice');
  assertTime(m.sentAt, 'sentAt');
  assertSafeValue(m.envelopes, 'envelopes');
  assertSafeValue(m.system, 'system');
}

/**
 * The embedded chat store: its own connection to the main store's SQLite file (WAL, so both
 * handles read and write safely), tables prefixed `chat_`. Appends run in an IMMEDIATE
 * transaction: the sequence number is read and written under SQLite's write lock, so it is
 * correct across processes sharing the file too.
 *
 * @example
 * const chat = createSqliteChatStore({ path: join(dataDir, 'hypersend.db') });
 * const { message } = await chat.appendMessage(newMessage);
 */
export function createSqliteChatStore(options: SqliteChatStoreOptions): ChatStore {
  const db = open(options.path);
  let closed = false;
  const q = {
    insertConversation: db.prepare(
      'INSERT INTO chat_conversations (id, kind, title, created_at, created_by, direct_key) VALUES (@id, @kind, @title, @created_at, @created_by, @direct_key)',
    ),
    getConversation: db.prepare('SELECT * FROM chat_conversations WHERE id = ?'),
    byDirectKey: db.prepare('SELECT * FROM chat_conversations WHERE direct_key = ?'),
    setTitle: db.prepare('UPDATE chat_conversations SET title = ? WHERE id = ?'),
    putMember: db.prepare(
      `INSERT INTO chat_members (conversation_id, user_id, role, joined_at, delivered, read)
       VALUES (@conversation_id, @user_id, @role, @joined_at, @delivered, @read)
       ON CONFLICT (conversation_id, user_id) DO UPDATE SET role = excluded.role,
         joined_at = excluded.joined_at, delivered = excluded.delivered, read = excluded.read`,
    ),
    getMember: db.prepare('SELECT * FROM chat_members WHERE conversation_id = ? AND user_id = ?'),
    deleteMember: db.prepare('DELETE FROM chat_members WHERE conversation_id = ? AND user_id = ?'),
    listMembers: db.prepare(
      'SELECT * FROM chat_members WHERE conversation_id = ? ORDER BY joined_at, user_id',
    ),
    listMemberships: db.prepare(
      'SELECT * FROM chat_members WHERE user_id = ? ORDER BY joined_at DESC, conversation_id',
    ),
    countMemberships: db.prepare('SELECT COUNT(*) AS n FROM chat_members WHERE user_id = ?'),
    raiseDelivered: db.prepare(
      'UPDATE chat_members SET delivered = ? WHERE conversation_id = ? AND user_id = ? AND delivered < ?',
    ),
    raiseRead: db.prepare(
      'UPDATE chat_members SET read = ? WHERE conversation_id = ? AND user_id = ? AND read < ?',
    ),
    byMessageId: db.prepare('SELECT * FROM chat_messages WHERE conversation_id = ? AND message_id = ?'),
    maxSeq: db.prepare(
      `SELECT MAX(COALESCE((SELECT MAX(seq) FROM chat_messages WHERE conversation_id = @id), 0),
              COALESCE((SELECT seq_floor FROM chat_conversations WHERE id = @id), 0)) AS n`,
    ),
    insertMessage: db.prepare(
      `INSERT INTO chat_messages (conversation_id, seq, message_id, sender_user, sender_device, kind,
         sent_at, transfer_id, system, envelopes, deleted_at)
       VALUES (@conversation_id, @seq, @message_id, @sender_user, @sender_device, @kind, @sent_at,
         @transfer_id, @system, @envelopes, @deleted_at)`,
    ),
    after: db.prepare(
      'SELECT * FROM chat_messages WHERE conversation_id = ? AND seq > ? ORDER BY seq ASC LIMIT ?',
    ),
    before: db.prepare(
      'SELECT * FROM chat_messages WHERE conversation_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?',
    ),
    newest: db.prepare('SELECT * FROM chat_messages WHERE conversation_id = ? ORDER BY seq DESC LIMIT ?'),
    tombstone: db.prepare(
      `UPDATE chat_messages SET envelopes = '[]', deleted_at = COALESCE(deleted_at, ?)
       WHERE conversation_id = ? AND message_id = ?`,
    ),
    raiseFloors: db.prepare(
      `UPDATE chat_conversations SET seq_floor = MAX(seq_floor, (SELECT MAX(seq) FROM chat_messages
         WHERE conversation_id = chat_conversations.id AND sent_at < @cutoff))
       WHERE id IN (SELECT DISTINCT conversation_id FROM chat_messages WHERE sent_at < @cutoff)`,
    ),
    prune: db.prepare('DELETE FROM chat_messages WHERE sent_at < ?'),
    getCursor: db.prepare(
      'SELECT seq FROM chat_device_cursors WHERE conversation_id = ? AND user_id = ? AND device_id = ?',
    ),
    raiseCursor: db.prepare(
      `INSERT INTO chat_device_cursors (conversation_id, user_id, device_id, seq) VALUES (?, ?, ?, ?)
       ON CONFLICT (conversation_id, user_id, device_id) DO UPDATE SET seq = MAX(seq, excluded.seq)`,
    ),
  };
  const live = () => {
    if (closed) throw new Error('chat store is closed');
  };

  const memberParams = (m: MemberRecord) => ({
    conversation_id: m.conversationId,
    user_id: m.userId,
    role: m.role,
    joined_at: m.joinedAt,
    delivered: m.delivered,
    read: m.read,
  });

  const append = db.transaction((m: NewMessage): { message: MessageRecord; duplicate: boolean } => {
    const existing = q.byMessageId.get(m.conversationId, m.messageId) as MessageRow | undefined;
    if (existing) return { message: toMessage(existing), duplicate: true };
    const seq = (q.maxSeq.get({ id: m.conversationId }) as { n: number }).n + 1;
    const message: MessageRecord = { ...m, seq, deletedAt: null };
    q.insertMessage.run(messageParams(message));
    return { message, duplicate: false };
  });

  return {
    kind: 'sqlite',
    async createConversation(conversation, members) {
      live();
      assertId(conversation.id, 'id');
      assertSafeValue(conversation, 'conversation');
      for (const m of members) assertId(m.userId, 'userId');
      try {
        db.transaction(() => {
          q.insertConversation.run({
            id: conversation.id,
            kind: conversation.kind,
            title: conversation.title,
            created_at: conversation.createdAt,
            created_by: conversation.createdBy,
            direct_key: conversation.directKey,
          });
          for (const m of members) q.putMember.run(memberParams(m));
        }).immediate();
      } catch (err) {
        if (isUnique(err)) throw new StoreConflictError('conversation already exists', { cause: err });
        throw err;
      }
    },
    async getConversation(id) {
      live();
      assertId(id, 'id');
      const row = q.getConversation.get(id) as ConversationRow | undefined;
      return row ? toConversation(row) : null;
    },
    async findConversationByDirectKey(directKey) {
      live();
      assertSafeValue(directKey, 'directKey');
      const row = q.byDirectKey.get(directKey) as ConversationRow | undefined;
      return row ? toConversation(row) : null;
    },
    async setTitle(id, title) {
      live();
      assertId(id, 'id');
      assertSafeValue(title, 'title');
      q.setTitle.run(title, id);
    },
    async putMember(member) {
      live();
      assertId(member.conversationId, 'conversationId');
      assertId(member.userId, 'userId');
      q.putMember.run(memberParams(member));
    },
    async getMember(conversationId, userId) {
      live();
      assertId(conversationId, 'conversationId');
      assertId(userId, 'userId');
      const row = q.getMember.get(conversationId, userId) as MemberRow | undefined;
      return row ? toMember(row) : null;
    },
    async deleteMember(conversationId, userId) {
      live();
      assertId(conversationId, 'conversationId');
      assertId(userId, 'userId');
      return q.deleteMember.run(conversationId, userId).changes > 0;
    },
    async listMembers(conversationId) {
      live();
      assertId(conversationId, 'conversationId');
      return (q.listMembers.all(conversationId) as MemberRow[]).map(toMember);
    },
    async listMemberships(userId) {
      live();
      assertId(userId, 'userId');
      return (q.listMemberships.all(userId) as MemberRow[]).map(toMember);
    },
    async countMemberships(userId) {
      live();
      assertId(userId, 'userId');
      return (q.countMemberships.get(userId) as { n: number }).n;
    },
    async raiseReceipt(conversationId, userId, kind, seq) {
      live();
      assertId(conversationId, 'conversationId');
      assertId(userId, 'userId');
      assertTime(seq, 'seq');
      const stmt = kind === 'delivered' ? q.raiseDelivered : q.raiseRead;
      if (stmt.run(seq, conversationId, userId, seq).changes === 0) return null;
      const row = q.getMember.get(conversationId, userId) as MemberRow | undefined;
      return row ? toMember(row) : null;
    },
    async appendMessage(message) {
      live();
      checkMessage(message);
      return append.immediate(message);
    },
    async getMessage(conversationId, messageId) {
      live();
      assertId(conversationId, 'conversationId');
      assertId(messageId, 'messageId');
      const row = q.byMessageId.get(conversationId, messageId) as MessageRow | undefined;
      return row ? toMessage(row) : null;
    },
    async listMessages(conversationId, page: PageQuery) {
      live();
      assertId(conversationId, 'conversationId');
      if (page.after !== undefined)
        return (q.after.all(conversationId, page.after, page.limit) as MessageRow[]).map(toMessage);
      const rows =
        page.before !== undefined
          ? (q.before.all(conversationId, page.before, page.limit) as MessageRow[])
          : (q.newest.all(conversationId, page.limit) as MessageRow[]);
      return rows.reverse().map(toMessage);
    },
    async lastSeq(conversationId) {
      live();
      assertId(conversationId, 'conversationId');
      return (q.maxSeq.get({ id: conversationId }) as { n: number }).n;
    },
    async tombstone(conversationId, messageId, deletedAt) {
      live();
      assertId(conversationId, 'conversationId');
      assertId(messageId, 'messageId');
      assertTime(deletedAt, 'deletedAt');
      q.tombstone.run(deletedAt, conversationId, messageId);
      const row = q.byMessageId.get(conversationId, messageId) as MessageRow | undefined;
      return row ? toMessage(row) : null;
    },
    async pruneMessages(cutoff) {
      live();
      assertTime(cutoff, 'cutoff');
      // Remember the highest pruned seq per conversation first, so sequence numbers never go back.
      return db.transaction(() => {
        q.raiseFloors.run({ cutoff });
        return q.prune.run(cutoff).changes;
      })();
    },
    async bulkInsertMessages(messages) {
      live();
      db.transaction(() => {
        for (const m of messages) {
          checkMessage(m);
          q.insertMessage.run(messageParams(m));
        }
      })();
    },
    async getDeviceCursor(conversationId, userId, deviceId) {
      live();
      assertId(conversationId, 'conversationId');
      assertId(userId, 'userId');
      assertId(deviceId, 'deviceId');
      const row = q.getCursor.get(conversationId, userId, deviceId) as { seq: number } | undefined;
      return row?.seq ?? 0;
    },
    async raiseDeviceCursor(conversationId, userId, deviceId, seq) {
      live();
      assertId(conversationId, 'conversationId');
      assertId(userId, 'userId');
      assertId(deviceId, 'deviceId');
      assertTime(seq, 'seq');
      q.raiseCursor.run(conversationId, userId, deviceId, seq);
    },
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
