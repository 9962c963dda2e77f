import { type Collection, type Db, type Document, MongoClient } from 'mongodb';
import { assertId, assertSafeValue, assertTime } from '../store/guard.ts';
import { StoreConflictError } from '../store/store.ts';
import {
  type ChatStore,
  type ConversationRecord,
  MAX_APPEND_ATTEMPTS,
  type MemberRecord,
  type MessageRecord,
  type NewMessage,
} from './chat-store.ts';

/** Options of {@link createMongoChatStore}. */
export interface MongoChatStoreOptions {
  uri: string;
  db: string;
  serverSelectionTimeoutMS?: number;
}

type ConversationDoc = ConversationRecord & { seqFloor: number };
type CursorDoc = { conversationId: string; userId: string; deviceId: string; seq: number };

const DUPLICATE_KEY = 11000;
const isDuplicate = (err: unknown) => (err as { code?: unknown } | null)?.code === DUPLICATE_KEY;

/** Exactly the record's fields (drops `_id` and helper fields; FerretDB may drop null fields). */
const toConversation = (d: ConversationDoc): ConversationRecord => ({
  id: d.id,
  kind: d.kind,
  title: d.title,
  createdAt: d.createdAt,
  createdBy: d.createdBy,
  directKey: d.directKey,
});
const toMember = (d: MemberRecord): MemberRecord => ({
  conversationId: d.conversationId,
  userId: d.userId,
  role: d.role,
  joinedAt: d.joinedAt,
  delivered: d.delivered,
  read: d.read,
});
const toMessage = (d: MessageRecord): MessageRecord => ({
  conversationId: d.conversationId,
  seq: d.seq,
  messageId: d.messageId,
  senderUser: d.senderUser,
  senderDevice: d.senderDevice,
  kind: d.kind,
  sentAt: d.sentAt,
  transferId: d.transferId ?? null,
  system: d.system ?? null,
  envelopes: d.envelopes ?? [],
  deletedAt: d.deletedAt ?? null,
});

function checkMessage(m: NewMessage): void {
  assertId(m.conversationId, 'conversationId');
  assertId(m.messageId, 'messageId');
  assertId(m.senderUser, 'senderUser');
  assertId(m.senderDevice, 'senderDevice');
  assertTime(m.sentAt, 'sentAt');
  assertSafeValue(m.envelopes, 'envelopes');
  assertSafeValue(m.system, 'system');
}

/** The indexes the chat queries rely on; created (idempotently) at start-up. */
async function createIndexes(db: Db): Promise<void> {
  await Promise.all([
    db.collection('chatConversations').createIndex({ id: 1 }, { unique: true }),
    db.collection('chatConversations').createIndex({ directKey: 1 }, { unique: true }),
    db.collection('chatMembers').createIndex({ conversationId: 1, userId: 1 }, { unique: true }),
    db.collection('chatMembers').createIndex({ userId: 1, joinedAt: -1 }),
    db.collection('chatMessages').createIndex({ conversationId: 1, seq: 1 }, { unique: true }),
    db.collection('chatMessages').createIndex({ conversationId: 1, messageId: 1 }, { unique: true }),
    db.collection('chatMessages').createIndex({ sentAt: 1 }),
    db
      .collection('chatDeviceCursors')
      .createIndex({ conversationId: 1, userId: 1, deviceId: 1 }, { unique: true }),
  ]);
}

/**
 * The MongoDB chat store. Written to the subset FerretDB 1.24 implements, which is what the tests
 * run against: sequence numbers come from "highest seq + 1" and the unique `(conversationId, seq)`
 * index, with a retry when another writer took the number first; no `findOneAndUpdate` or `$inc`
 * counters (not atomic there). Idempotency is the unique `(conversationId, messageId)` index.
 *
 * @example
 * const chat = await createMongoChatStore({ uri: 'mongodb://127.0.0.1:27017', db: 'hypersend' });
 * await chat.close();
 */
export async function createMongoChatStore(options: MongoChatStoreOptions): Promise<ChatStore> {
  const client = new MongoClient(options.uri, {
    appName: 'hypersend-chat',
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 5000,
  });
  await client.connect();
  let closed = false;
  try {
    const db = client.db(options.db);
    await createIndexes(db);
    const conversations = db.collection<ConversationDoc>('chatConversations');
    const members = db.collection<MemberRecord>('chatMembers');
    const messages = db.collection<MessageRecord>('chatMessages');
    const cursors = db.collection<CursorDoc>('chatDeviceCursors');
    const live = <T extends Document>(c: Collection<T>): Collection<T> => {
      if (closed) throw new Error('chat store is closed');
      return c;
    };

    const lastSeq = async (conversationId: string): Promise<number> => {
      const [top, conv] = await Promise.all([
        live(messages)
          .find({ conversationId: { $eq: conversationId } })
          .sort({ seq: -1 })
          .limit(1)
          .toArray(),
        live(conversations).findOne({ id: { $eq: conversationId } }),
      ]);
      return Math.max(top[0]?.seq ?? 0, conv?.seqFloor ?? 0);
    };
    const getMessage = async (conversationId: string, messageId: string) => {
      const doc = await live(messages).findOne({
        conversationId: { $eq: conversationId },
        messageId: { $eq: messageId },
      });
      return doc ? toMessage(doc) : null;
    };

    const store: ChatStore = {
      kind: 'mongodb',
      async createConversation(conversation, initial) {
        assertId(conversation.id, 'id');
        assertSafeValue(conversation, 'conversation');
        for (const m of initial) assertId(m.userId, 'userId');
        try {
          await live(conversations).insertOne({ ...conversation, seqFloor: 0 });
        } catch (err) {
          if (isDuplicate(err)) throw new StoreConflictError('conversation already exists', { cause: err });
          throw err;
        }
        // No multi-document transactions on FerretDB: the conversation is written first and is
        // unreachable until its members exist, so a crash in between leaves an orphan, not a leak.
        if (initial.length > 0) await live(members).insertMany(initial.map((m) => ({ ...m })));
      },
      async getConversation(id) {
        assertId(id, 'id');
        const doc = await live(conversations).findOne({ id: { $eq: id } });
        return doc ? toConversation(doc) : null;
      },
      async findConversationByDirectKey(directKey) {
        assertSafeValue(directKey, 'directKey');
        const doc = await live(conversations).findOne({ directKey: { $eq: directKey } });
        return doc ? toConversation(doc) : null;
      },
      async setTitle(id, title) {
        assertId(id, 'id');
        assertSafeValue(title, 'title');
        await live(conversations).updateOne({ id: { $eq: id } }, { $set: { title: String(title) } });
      },
      async putMember(member) {
        assertId(member.conversationId, 'conversationId');
        assertId(member.userId, 'userId');
        assertSafeValue(member, 'member');
        await live(members).replaceOne(
          { conversationId: { $eq: member.conversationId }, userId: { $eq: member.userId } },
          toMember(member),
          { upsert: true },
        );
      },
      async getMember(conversationId, userId) {
        assertId(conversationId, 'conversationId');
        assertId(userId, 'userId');
        const doc = await live(members).findOne({
          conversationId: { $eq: conversationId },
          userId: { $eq: userId },
        });
        return doc ? toMember(doc) : null;
      },
      async deleteMember(conversationId, userId) {
        assertId(conversationId, 'conversationId');
        assertId(userId, 'userId');
        const r = await live(members).deleteOne({
          conversationId: { $eq: conversationId },
          userId: { $eq: userId },
        });
        return r.deletedCount > 0;
      },
      async listMembers(conversationId) {
        assertId(conversationId, 'conversationId');
        const docs = await live(members)
          .find({ conversationId: { $eq: conversationId } })
          .sort({ joinedAt: 1, userId: 1 })
          .toArray();
        return docs.map(toMember);
      },
      async listMemberships(userId) {
        assertId(userId, 'userId');
        const docs = await live(members)
          .find({ userId: { $eq: userId } })
          .sort({ joinedAt: -1, conversationId: 1 })
          .toArray();
        return docs.map(toMember);
      },
      async countMemberships(userId) {
        assertId(userId, 'userId');
        return live(members).countDocuments({ userId: { $eq: userId } });
      },
      async raiseReceipt(conversationId, userId, kind, seq) {
        assertId(conversationId, 'conversationId');
        assertId(userId, 'userId');
        assertTime(seq, 'seq');
        // Conditional set: never lowers. (On FerretDB two racing raises may both apply; the
        // higher one is then re-sent by the client's next cumulative receipt.)
        const filter =
          kind === 'delivered'
            ? { conversationId: { $eq: conversationId }, userId: { $eq: userId }, delivered: { $lt: seq } }
            : { conversationId: { $eq: conversationId }, userId: { $eq: userId }, read: { $lt: seq } };
        const r = await live(members).updateOne(filter, { $set: { [kind]: seq } });
        if (r.modifiedCount === 0) return null;
        return store.getMember(conversationId, userId);
      },
      async appendMessage(message) {
        checkMessage(message);
        for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
          const existing = await getMessage(message.conversationId, message.messageId);
          if (existing) return { message: existing, duplicate: true };
          const record: MessageRecord = {
            ...message,
            seq: (await lastSeq(message.conversationId)) + 1,
            deletedAt: null,
          };
          try {
            await live(messages).insertOne({ ...record });
            return { message: record, duplicate: false };
          } catch (err) {
            if (!isDuplicate(err)) throw err;
            // Either the same message id raced in (answered as a duplicate on the next turn) or
            // another writer took this seq: read the new highest seq and try again.
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 * attempt));
          }
        }
        throw new Error(`no free sequence number after ${MAX_APPEND_ATTEMPTS} attempts`);
      },
      async getMessage(conversationId, messageId) {
        assertId(conversationId, 'conversationId');
        assertId(messageId, 'messageId');
        return getMessage(conversationId, messageId);
      },
      async listMessages(conversationId, page) {
        assertId(conversationId, 'conversationId');
        const c = { conversationId: { $eq: conversationId } };
        if (page.after !== undefined) {
          assertTime(page.after, 'after');
          const docs = await live(messages)
            .find({ ...c, seq: { $gt: page.after } })
            .sort({ seq: 1 })
            .limit(page.limit)
            .toArray();
          return docs.map(toMessage);
        }
        if (page.before !== undefined) assertTime(page.before, 'before');
        const filter = page.before === undefined ? c : { ...c, seq: { $lt: page.before } };
        const docs = await live(messages).find(filter).sort({ seq: -1 }).limit(page.limit).toArray();
        return docs.reverse().map(toMessage);
      },
      async lastSeq(conversationId) {
        assertId(conversationId, 'conversationId');
        return lastSeq(conversationId);
      },
      async tombstone(conversationId, messageId, deletedAt) {
        assertId(conversationId, 'conversationId');
        assertId(messageId, 'messageId');
        assertTime(deletedAt, 'deletedAt');
        const filter = { conversationId: { $eq: conversationId }, messageId: { $eq: messageId } };
        const current = await live(messages).findOne(filter);
        if (!current) return null;
        if (current.deletedAt == null)
          await live(messages).updateOne(filter, { $set: { envelopes: [], deletedAt } });
        return getMessage(conversationId, messageId);
      },
      async pruneMessages(cutoff) {
        assertTime(cutoff, 'cutoff');
        const old = { sentAt: { $lt: cutoff } };
        const affected = (await live(messages).distinct('conversationId', old)) as string[];
        for (const id of affected) {
          const top = await live(messages)
            .find({ conversationId: { $eq: id }, ...old })
            .sort({ seq: -1 })
            .limit(1)
            .toArray();
          const floor = top[0]?.seq ?? 0;
          await live(conversations).updateOne(
            { id: { $eq: id }, seqFloor: { $lt: floor } },
            { $set: { seqFloor: floor } },
          );
        }
        return (await live(messages).deleteMany(old)).deletedCount;
      },
      async bulkInsertMessages(batch) {
        for (const m of batch) checkMessage(m);
        if (batch.length > 0)
          await live(messages).insertMany(
            batch.map((m) => ({ ...m })),
            { ordered: false },
          );
      },
      async getDeviceCursor(conversationId, userId, deviceId) {
        assertId(conversationId, 'conversationId');
        assertId(userId, 'userId');
        assertId(deviceId, 'deviceId');
        const doc = await live(cursors).findOne({
          conversationId: { $eq: conversationId },
          userId: { $eq: userId },
          deviceId: { $eq: deviceId },
        });
        return doc?.seq ?? 0;
      },
      async raiseDeviceCursor(conversationId, userId, deviceId, seq) {
        assertId(conversationId, 'conversationId');
        assertId(userId, 'userId');
        assertId(deviceId, 'deviceId');
        assertTime(seq, 'seq');
        const key = {
          conversationId: { $eq: conversationId },
          userId: { $eq: userId },
          deviceId: { $eq: deviceId },
        };
        const r = await live(cursors).updateOne({ ...key, seq: { $lt: seq } }, { $set: { seq } });
        if (r.matchedCount > 0) return;
        try {
          await live(cursors).insertOne({ conversationId, userId, deviceId, seq });
        } catch (err) {
          // It exists already, at or above `seq` (or raced in): nothing to raise.
          if (!isDuplicate(err)) throw err;
          await live(cursors).updateOne({ ...key, seq: { $lt: seq } }, { $set: { seq } });
        }
      },
      async close() {
        if (closed) return;
        closed = true;
        await client.close();
      },
    };
    return store;
  } catch (err) {
    await client.close();
    throw err;
  }
}
