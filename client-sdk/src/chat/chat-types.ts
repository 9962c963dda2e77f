import type {
  ChatMessageKind,
  ConversationInfo,
  ConversationKind,
  ConversationMember,
  SystemEvent,
} from '@hypersend/protocol';
import type { HypersendError, HypersendErrorCode } from '../errors.ts';

export type { ConversationInfo, ConversationKind, ConversationMember, SystemEvent };

/** What a file offer posted into a conversation says about the files (encrypted like a text). */
export interface FileOfferSummary {
  /** Display names of the files, or of the top folder. */
  names: string[];
  /** Total bytes. */
  size: number;
  /** Number of files. */
  files: number;
}

/**
 * A message as the app sees it: decrypted and verified (sender device key, conversation, message
 * id and recipient all bound into the authenticated ciphertext).
 */
export interface ChatMessageView {
  conversation: string;
  /** Server-assigned, grows by one per message in the conversation. */
  seq: number;
  /** The sender's client-chosen id (idempotency key). */
  messageId: string;
  sender: { user: string; device: string };
  kind: ChatMessageKind;
  /** Server time of acceptance, epoch ms. */
  sentAt: number;
  /** Sent by this user (from this device or another of mine). */
  outgoing: boolean;
  /** Kind `text`. */
  text?: string;
  /** Kind `file`. */
  file?: { transferId: string; summary: FileOfferSummary };
  /** Kind `system`: a membership change recorded by the server. */
  system?: SystemEvent;
  /** A tombstone: deleted for everyone at this time. */
  deletedAt?: number;
  /**
   * Set when the body could not be shown: `not_found` (no envelope for this device: sent before
   * this device existed or before the sender's device list included it; or the sender device is
   * unknown), `decrypt_failed` (tampered, or not sealed with the sender's pinned key; also
   * reported as an `error` event), `key_changed` (sender device blocked until the key change is
   * accepted).
   */
  failure?: HypersendErrorCode;
}

/** Result of {@link ChatApi.send}. */
export interface SentMessage {
  conversation: string;
  messageId: string;
  seq: number;
  sentAt: number;
  /** The server already had this message id: nothing new was stored. */
  duplicate: boolean;
  /** Recipient devices that got an envelope. */
  devices: number;
  /** Devices skipped because their key changed and was not accepted yet (`user/device`). */
  skippedDevices: string[];
}

/** One page of history, ascending by `seq`. */
export interface HistoryPageView {
  messages: ChatMessageView[];
  /** More messages exist beyond this page in the direction asked. */
  more: boolean;
}

/** Events of {@link ChatApi}. */
export type ChatEvents = {
  /**
   * A new message in any conversation: live or caught up after a reconnect, in `seq` order per
   * conversation and once per message. Your own messages come back here too (with `outgoing`).
   */
  message: ChatMessageView;
  /** A member's cumulative receipts changed (everything up to `delivered`/`read` was). */
  receipt: { conversation: string; user: string; delivered: number; read: number };
  /** A member is typing (ephemeral; expect a repeat every few seconds while it lasts). */
  typing: { conversation: string; user: string; device: string };
  /** Membership or title changed; `message` carries the same change as a `system` message. */
  membership: { conversation: string; event: SystemEvent; seq: number };
  /** A message was deleted for everyone. */
  deleted: { conversation: string; messageId: string; seq: number; deletedAt: number };
  /** Catch-up after (re)connecting finished; `messages` were delivered by it. */
  synced: { messages: number };
  /** A chat failure that belongs to no call (e.g. a message that could not be decrypted). */
  error: { error: HypersendError };
};
