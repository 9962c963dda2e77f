import { z } from 'zod';
import { Id } from './ids.ts';

/**
 * Chat: conversations (HTTP under `/v1/conversations`) and messages, receipts and typing
 * (WebSocket `/v1/ws`, frames `chat.*`). Bodies are end-to-end encrypted: a message carries one
 * `crypto_box` ciphertext per recipient device (`envelopes`); the server stores and forwards them
 * and hands each device only its own. See the "Chat" section of `protocol/PROTOCOL.md`.
 */

// ---- limits (the server enforces them; the SDK checks them first for a clearer error) ----

/** Plaintext bytes of one text message body (UTF-8), before encryption. */
export const MAX_CHAT_TEXT_BYTES = 4096;
/** Bytes of one envelope's ciphertext: the JSON-wrapped body (text + context) plus the 16-byte MAC. */
export const MAX_CHAT_CIPHERTEXT_BYTES = MAX_CHAT_TEXT_BYTES + 1024;
/** Envelopes (recipient devices) per message. The 64 KiB frame limit may bind first for long texts. */
export const MAX_CHAT_ENVELOPES = 128;
/** Members of one group conversation, owner included. */
export const MAX_GROUP_MEMBERS = 32;
/** Conversations one user may be a member of. */
export const MAX_CONVERSATIONS_PER_USER = 500;
/** Largest history page. */
export const MAX_HISTORY_PAGE = 100;
/** Title of a group conversation (characters). */
export const MAX_CONVERSATION_TITLE = 100;

// Chat errors use the shared `ErrorCode`s: `not_found` (also for conversations you are not a
// member of), `forbidden`, `rate_limited`, `payload_too_large`, `limit_exceeded`, `bad_request`, `conflict`.

const RequestId = z.string().min(1).max(64);
/** base64url, no padding. */
const B64 = z.string().regex(/^[A-Za-z0-9_-]*$/, 'expected base64url');
/** A `crypto_box` nonce: 24 bytes, base64url (32 characters). */
export const BoxNonce = z.string().regex(/^[A-Za-z0-9_-]{32}$/, 'expected 24 bytes, base64url');
/** Sequence numbers are assigned by the server per conversation, starting at 1. */
export const Seq = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export type Seq = z.infer<typeof Seq>;

export const ConversationKind = z.enum(['direct', 'group']);
export type ConversationKind = z.infer<typeof ConversationKind>;
export const MemberRole = z.enum(['owner', 'member']);
export type MemberRole = z.infer<typeof MemberRole>;
/** `text` and `file` carry envelopes; `system` is written by the server (membership events). */
export const ChatMessageKind = z.enum(['text', 'file', 'system']);
export type ChatMessageKind = z.infer<typeof ChatMessageKind>;

/**
 * One recipient device's ciphertext: `crypto_box_easy(plaintext, nonce, recipientX25519,
 * senderX25519Secret)`. `user`/`device` name the recipient. The plaintext format belongs to
 * the SDK (`client-sdk/src/chat/chat-crypto.ts`); the server never looks inside.
 */
export const Envelope = z
  .object({
    user: Id,
    device: Id,
    nonce: BoxNonce,
    // Longer boxes parse and are refused by the server as `payload_too_large`, a clearer answer.
    box: B64.min(22).max(96 * 1024),
  })
  .strict();
export type Envelope = z.infer<typeof Envelope>;

/** What the server records about a membership change (kind `system`). Plain metadata, not secret. */
export const SystemEvent = z
  .object({
    event: z.enum(['created', 'renamed', 'added', 'removed', 'left']),
    /** Who did it. */
    actor: Id,
    /** Users added or removed (or, for `created`, the initial members). */
    users: z.array(Id).max(MAX_GROUP_MEMBERS).optional(),
    title: z.string().max(MAX_CONVERSATION_TITLE).optional(),
  })
  .strict();
export type SystemEvent = z.infer<typeof SystemEvent>;

/**
 * A message as one device receives it: only that device's envelope (absent when none was
 * addressed to it, for tombstones and system events). `messageId` is the client-chosen id.
 */
export const ChatMessage = z
  .object({
    conversation: Id,
    seq: Seq,
    messageId: Id,
    sender: z.object({ user: Id, device: Id }).strict(),
    kind: ChatMessageKind,
    /** Server time of acceptance, epoch ms. */
    sentAt: z.number().int().nonnegative(),
    envelope: z.object({ nonce: BoxNonce, box: B64 }).strict().optional(),
    /** Kind `file`: the transfer this offer announces (the summary is inside the envelope). */
    transferId: Id.optional(),
    system: SystemEvent.optional(),
    /** Set on a tombstone: deleted for everyone at this time; the envelope is gone. */
    deletedAt: z.number().int().nonnegative().optional(),
  })
  .strict();
export type ChatMessage = z.infer<typeof ChatMessage>;

export const ConversationMember = z
  .object({
    userId: Id,
    username: z.string(),
    displayName: z.string(),
    role: MemberRole,
    joinedAt: z.number().int().nonnegative(),
    /** Cumulative receipts: highest seq any of the member's devices acknowledged / marked read. */
    delivered: Seq,
    read: Seq,
  })
  .strict();
export type ConversationMember = z.infer<typeof ConversationMember>;

export const ConversationInfo = z
  .object({
    id: Id,
    kind: ConversationKind,
    title: z.string(),
    createdAt: z.number().int().nonnegative(),
    /** Highest sequence number assigned so far (0: no messages). */
    lastSeq: Seq,
    members: z.array(ConversationMember),
  })
  .strict();
export type ConversationInfo = z.infer<typeof ConversationInfo>;

// ---- HTTP bodies (/v1/conversations) ----

const Title = z
  .string()
  .min(1)
  .max(MAX_CONVERSATION_TITLE)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  .refine((s) => !/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/.test(s), 'control or bidi characters');

/**
 * `POST /v1/conversations`. `direct` takes exactly one other member and returns the existing
 * one-to-one conversation if there is one; `group` takes 1..31 others and an optional title.
 * Every other member must be an accepted contact of the caller.
 */
export const CreateConversationRequest = z
  .object({
    kind: ConversationKind,
    members: z
      .array(Id)
      .min(1)
      .max(MAX_GROUP_MEMBERS - 1),
    title: Title.optional(),
  })
  .strict();
export type CreateConversationRequest = z.infer<typeof CreateConversationRequest>;

export const ConversationList = z.object({ conversations: z.array(ConversationInfo) }).strict();
export type ConversationList = z.infer<typeof ConversationList>;

/** `POST /v1/conversations/:id/rename` (owner of a group). */
export const RenameConversationRequest = z.object({ title: Title }).strict();
export type RenameConversationRequest = z.infer<typeof RenameConversationRequest>;

/** `POST /v1/conversations/:id/members` (owner of a group): add accepted contacts of the owner. */
export const AddMembersRequest = z
  .object({
    members: z
      .array(Id)
      .min(1)
      .max(MAX_GROUP_MEMBERS - 1),
  })
  .strict();
export type AddMembersRequest = z.infer<typeof AddMembersRequest>;

/**
 * `POST /v1/conversations/:id/history`: one page of messages by sequence, with this device's
 * envelopes. `after` pages forward (ascending), `before` pages backward (the page is still
 * returned ascending); neither: the newest page. A POST so the device id and cursors stay out of
 * URLs (and access logs).
 */
export const HistoryRequest = z
  .object({
    device: Id,
    before: Seq.optional(),
    after: Seq.optional(),
    limit: z.number().int().min(1).max(MAX_HISTORY_PAGE).optional(),
  })
  .strict()
  .refine((r) => r.before === undefined || r.after === undefined, 'use before or after, not both');
export type HistoryRequest = z.infer<typeof HistoryRequest>;

export const HistoryPage = z
  .object({
    messages: z.array(ChatMessage),
    /** More messages exist beyond this page in the direction asked. */
    more: z.boolean(),
  })
  .strict();
export type HistoryPage = z.infer<typeof HistoryPage>;

// ---- WebSocket: client → server ----

/**
 * Send a message. Idempotent by `(conversation, messageId)`: sending the same id again stores
 * nothing new and answers with the original `seq` and `duplicate: true`. Include one envelope
 * per device of every member, your own other devices and this device included.
 */
export const ChatSendRequest = z
  .object({
    type: z.literal('chat.send'),
    id: RequestId.optional(),
    conversation: Id,
    messageId: Id,
    kind: z.enum(['text', 'file']),
    transferId: Id.optional(),
    // More than MAX_CHAT_ENVELOPES parse and are refused as `limit_exceeded`.
    envelopes: z.array(Envelope).min(1).max(1024),
  })
  .strict();
export type ChatSendRequest = z.infer<typeof ChatSendRequest>;

/**
 * Cumulative receipt: everything up to `seq` was delivered to (or read on) this device. Also
 * advances this device's sync cursor (`delivered`). Answered with `ack` when `id` is set.
 */
export const ChatReceiptRequest = z
  .object({
    type: z.literal('chat.receipt'),
    id: RequestId.optional(),
    conversation: Id,
    kind: z.enum(['delivered', 'read']),
    seq: Seq,
  })
  .strict();
export type ChatReceiptRequest = z.infer<typeof ChatReceiptRequest>;

/** "I am typing": relayed to the other members' online devices, never stored. */
export const ChatTypingRequest = z
  .object({ type: z.literal('chat.typing'), id: RequestId.optional(), conversation: Id })
  .strict();
export type ChatTypingRequest = z.infer<typeof ChatTypingRequest>;

/**
 * Ask for every message after this device's delivered cursor, in every conversation: the server
 * sends them as `chat.message` frames in sequence order, then `chat.synced`. Live messages that
 * arrive meanwhile are held back and merged, so each message reaches the device once.
 */
export const ChatSyncRequest = z.object({ type: z.literal('chat.sync'), id: RequestId.optional() }).strict();
export type ChatSyncRequest = z.infer<typeof ChatSyncRequest>;

/** Delete a message of yours for everyone: the envelopes are dropped, a tombstone keeps the seq. */
export const ChatDeleteRequest = z
  .object({ type: z.literal('chat.delete'), id: RequestId.optional(), conversation: Id, messageId: Id })
  .strict();
export type ChatDeleteRequest = z.infer<typeof ChatDeleteRequest>;

/** Every chat frame a client may send; merged into `ClientMessage` in `signaling.ts`. */
export const ChatClientMessages = [
  ChatSendRequest,
  ChatReceiptRequest,
  ChatTypingRequest,
  ChatSyncRequest,
  ChatDeleteRequest,
] as const;
export type ChatClientMessage =
  | ChatSendRequest
  | ChatReceiptRequest
  | ChatTypingRequest
  | ChatSyncRequest
  | ChatDeleteRequest;

// ---- WebSocket: server → client ----

/** A new message (live or during sync), with this device's envelope. */
export const ChatMessageFrame = z.object({ type: z.literal('chat.message'), message: ChatMessage }).strict();
/** Answer to `chat.send`: stored (or already stored, `duplicate`) with this seq. */
export const ChatSentFrame = z
  .object({
    type: z.literal('chat.sent'),
    ref: RequestId.optional(),
    conversation: Id,
    messageId: Id,
    seq: Seq,
    sentAt: z.number().int().nonnegative(),
    duplicate: z.boolean(),
  })
  .strict();
/** A member's cumulative receipts changed. */
export const ChatReceiptFrame = z
  .object({ type: z.literal('chat.receipt'), conversation: Id, user: Id, delivered: Seq, read: Seq })
  .strict();
export const ChatTypingFrame = z
  .object({ type: z.literal('chat.typing'), conversation: Id, user: Id, device: Id })
  .strict();
/** End of a `chat.sync`. */
export const ChatSyncedFrame = z
  .object({ type: z.literal('chat.synced'), ref: RequestId.optional(), messages: z.number().int() })
  .strict();
/** A message was deleted for everyone (its history entry is now a tombstone). */
export const ChatDeletedFrame = z
  .object({
    type: z.literal('chat.deleted'),
    conversation: Id,
    messageId: Id,
    seq: Seq,
    deletedAt: z.number().int().nonnegative(),
  })
  .strict();

/** Every chat frame the server may send; merged into `ServerMessage` in `signaling.ts`. */
export const ChatServerMessages = [
  ChatMessageFrame,
  ChatSentFrame,
  ChatReceiptFrame,
  ChatTypingFrame,
  ChatSyncedFrame,
  ChatDeletedFrame,
] as const;
export type ChatServerMessage =
  | z.infer<typeof ChatMessageFrame>
  | z.infer<typeof ChatSentFrame>
  | z.infer<typeof ChatReceiptFrame>
  | z.infer<typeof ChatTypingFrame>
  | z.infer<typeof ChatSyncedFrame>
  | z.infer<typeof ChatDeletedFrame>;
