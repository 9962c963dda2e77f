import type { ConversationKind, Envelope, MemberRole, SystemEvent } from '@hypersend/protocol';

/**
 * Persistence of chat metadata and ciphertexts. Two implementations pass one contract suite
 * (`chat-store.contract.ts`): SQLite (`sqlite-chat-store.ts`, the embedded default, same database
 * file as the main store) and MongoDB (`mongo-chat-store.ts`). Rules (who may do what, limits)
 * live in `chat-service.ts`; the store persists records and offers the few operations that must
 * be correct under concurrency: sequence assignment and idempotent append.
 *
 * Times are epoch milliseconds. Ids were validated as protocol `Id`s by the caller; the
 * implementations still run them through the store guard.
 */
export interface ChatStore {
  readonly kind: 'mongodb' | 'sqlite';

  /**
   * Create a conversation and its members. `directKey` is unique: a second direct conversation
   * for the same pair rejects with `StoreConflictError`.
   */
  createConversation(conversation: ConversationRecord, members: MemberRecord[]): Promise<void>;
  getConversation(id: string): Promise<ConversationRecord | null>;
  findConversationByDirectKey(directKey: string): Promise<ConversationRecord | null>;
  setTitle(id: string, title: string): Promise<void>;

  /** Insert or replace the membership of `(conversationId, userId)`. */
  putMember(member: MemberRecord): Promise<void>;
  getMember(conversationId: string, userId: string): Promise<MemberRecord | null>;
  deleteMember(conversationId: string, userId: string): Promise<boolean>;
  /** Members in join order. */
  listMembers(conversationId: string): Promise<MemberRecord[]>;
  /** Memberships of one user (newest join first). */
  listMemberships(userId: string): Promise<MemberRecord[]>;
  countMemberships(userId: string): Promise<number>;
  /**
   * Raise a member's cumulative receipt to `seq` (never lowers it). Returns the member after
   * the change, or null when nothing changed (not a member, or already at or above `seq`).
   */
  raiseReceipt(
    conversationId: string,
    userId: string,
    kind: 'delivered' | 'read',
    seq: number,
  ): Promise<MemberRecord | null>;

  /**
   * Store a message under the next sequence number of its conversation (one more than the
   * highest ever assigned there, even after retention removed messages). Idempotent by
   * `(conversationId, messageId)`: a repeat returns the stored message with `duplicate: true`.
   * Correct under concurrent appends from several processes (unique `(conversation, seq)` index
   * plus retry, never a read-modify-write counter).
   */
  appendMessage(message: NewMessage): Promise<{ message: MessageRecord; duplicate: boolean }>;
  getMessage(conversationId: string, messageId: string): Promise<MessageRecord | null>;
  /**
   * A page ascending by seq: `after` → the first `limit` messages above it; `before` → the last
   * `limit` below it; neither → the newest `limit`.
   */
  listMessages(conversationId: string, page: PageQuery): Promise<MessageRecord[]>;
  /** Highest seq ever assigned in the conversation (0 when none). */
  lastSeq(conversationId: string): Promise<number>;
  /** Drop the envelopes and mark deleted; null when no such message. Idempotent. */
  tombstone(conversationId: string, messageId: string, deletedAt: number): Promise<MessageRecord | null>;
  /** Remove messages sent before `cutoff` (retention). Returns how many were removed. */
  pruneMessages(cutoff: number): Promise<number>;
  /**
   * Insert messages whose seq is already set, in one batch, without the append protocol: for
   * seeding benchmarks and migrations only. The caller guarantees unique, increasing seqs.
   */
  bulkInsertMessages(messages: MessageRecord[]): Promise<void>;

  /** A device's sync cursor: highest seq it acknowledged as delivered (0 when none). */
  getDeviceCursor(conversationId: string, userId: string, deviceId: string): Promise<number>;
  /** Raise (never lower) a device's sync cursor. */
  raiseDeviceCursor(conversationId: string, userId: string, deviceId: string, seq: number): Promise<void>;

  close(): Promise<void>;
}

export interface ConversationRecord {
  id: string;
  kind: ConversationKind;
  title: string;
  createdAt: number;
  createdBy: string;
  /** `d:<lower id>:<higher id>` for direct conversations, `g:<id>` for groups: unique. */
  directKey: string;
}

export interface MemberRecord {
  conversationId: string;
  userId: string;
  role: MemberRole;
  joinedAt: number;
  delivered: number;
  read: number;
}

export interface NewMessage {
  conversationId: string;
  messageId: string;
  senderUser: string;
  senderDevice: string;
  kind: 'text' | 'file' | 'system';
  sentAt: number;
  transferId: string | null;
  system: SystemEvent | null;
  envelopes: Envelope[];
}

export interface MessageRecord extends NewMessage {
  seq: number;
  deletedAt: number | null;
}

export interface PageQuery {
  after?: number;
  before?: number;
  limit: number;
}

/** Key of the one direct conversation between two users, independent of who started it. */
export function directKeyOf(a: string, b: string): string {
  return a < b ? `d:${a}:${b}` : `d:${b}:${a}`;
}

/** Appends gave up after this many sequence collisions in a row (pathological contention). */
export const MAX_APPEND_ATTEMPTS = 64;
