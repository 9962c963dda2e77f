// `client.chat`: sending, receiving and catching up on end-to-end encrypted messages over the
// signaling connection. Membership comes from chat-conversations.ts (inherited), sealing and
// sending from message-send.ts, opening from message-view.ts.
import {
  type ChatMessage,
  type ChatServerMessage,
  HistoryPage,
  MAX_CHAT_TEXT_BYTES,
} from '@hypersend/protocol';
import type { HttpTransport } from '../api/http-transport.ts';
import { childLogger, type Logger } from '../api/runtime.ts';
import type { ContactDevice } from '../contacts/key-directory.ts';
import { loadSodium, sodiumSync } from '../crypto/sodium.ts';
import { toBase64Url, utf8 } from '../encoding.ts';
import { HypersendError } from '../errors.ts';
import type { DeviceIdentity } from '../identity/device-identity.ts';
import type { SignalingClient } from '../signaling/signaling-client.ts';
import { ChatConversations, idSegment } from './chat-conversations.ts';
import type { ChatBody } from './chat-crypto.ts';
import type { ChatMessageView, FileOfferSummary, HistoryPageView, SentMessage } from './chat-types.ts';
import { DeliveredReceipts } from './delivered-receipts.ts';
import { MemberDevices } from './member-devices.ts';
import { sendSealed } from './message-send.ts';
import { messageView, type SenderDeviceLookup } from './message-view.ts';
import { OrderedInbox } from './ordered-inbox.ts';

/** What the chat API needs from the client around it (the seams tests replace). */
export interface ChatDeps {
  /** Authenticated HTTP transport (`/v1/conversations…`). */
  http: HttpTransport;
  /** The signaling connection, once `connect()` made it. */
  signaling(): SignalingClient | undefined;
  /** This user and device, known after `connect()`. */
  self(): { userId: string; username: string; identity: DeviceIdentity } | undefined;
  /** A user's devices checked against the pinned keys (normally `KeyDirectory.getDevices`). */
  devicesOf(username: string): Promise<ContactDevice[]>;
  /**
   * Whether a device has an unaccepted key change right now (normally `KeyDirectory.isBlocked`).
   * Asked at every send, so a cached device list never outlives a block or its acceptance.
   */
  isBlocked?(user: string, device: string): boolean;
  log?: Logger;
  /**
   * How long device lists are reused before asking the key directory again. Default 10 s: a
   * member's new device gets envelopes from your messages at most this long after it appeared.
   */
  deviceCacheMs?: number;
  now?(): number;
}

/**
 * End-to-end encrypted conversations for one device: `client.chat`. Bodies are sealed with
 * `crypto_box` to every device of every member (your other devices included) and opened and
 * verified on receipt; the server only sees who, where, when and what kind. Incoming messages
 * arrive as `message` events in sequence order, once each, including the ones missed while
 * offline (caught up on every (re)connect from this device's last acknowledged sequence).
 *
 * @example
 * await client.connect();
 * client.chat.on('message', (m) => console.log(m.conversation, m.seq, m.text));
 * const conv = await client.chat.create([bob.userId]);
 * await client.chat.send(conv.id, 'hello');
 * const { messages } = await client.chat.history(conv.id, { limit: 50 });
 * await client.chat.markRead(conv.id, messages.at(-1)!.seq);
 */
export class ChatApi extends ChatConversations {
  private readonly log: Logger;
  private readonly members: MemberDevices;
  private readonly inbox: OrderedInbox;
  private readonly receipts: DeliveredReceipts;
  private detach: Array<() => void> = [];
  /**
   * Catch up automatically on every (re)connect (default). A one-shot sender that never shows
   * incoming messages turns it off, so it does not acknowledge them as delivered.
   */
  autoSync = true;

  constructor(private readonly deps: ChatDeps) {
    super(deps.http);
    this.log = childLogger(deps.log, 'chat');
    this.members = new MemberDevices({
      devicesOf: (username) => deps.devicesOf(username),
      conversation: (id, fresh) => this.conversation(id, fresh),
      isBlocked: (user, device) => deps.isBlocked?.(user, device),
      ...(deps.deviceCacheMs === undefined ? {} : { maxAgeMs: deps.deviceCacheMs }),
      now: () => deps.now?.() ?? Date.now(),
    });
    this.inbox = new OrderedInbox((m) => this.accept(m));
    this.receipts = new DeliveredReceipts(() => deps.signaling(), this.log);
  }

  /**
   * Follow a signaling connection: route its chat frames here and catch up after every
   * `connected`. Called by `HypersendClient.connect()`; returns the detach function.
   *
   * @internal
   */
  attach(signaling: SignalingClient): () => void {
    const offChat = signaling.on('chat', (frame) => this.onFrame(frame));
    const offConnected = signaling.on('connected', () => {
      if (!this.autoSync) return;
      this.sync().catch((err: unknown) => this.reportError(err));
    });
    const detach = () => {
      offChat();
      offConnected();
    };
    this.detach.push(detach);
    return detach;
  }

  /**
   * Send a text. Pass your own `messageId` to make retries safe: the server stores one message
   * per id and answers a repeat with the original `seq` (`duplicate: true`).
   *
   * @example
   * const sent = await client.chat.send(conv.id, 'see you at 5');
   * @throws HypersendError `payload_too_large` (over 4096 UTF-8 bytes), `not_found`,
   *   `rate_limited`, `frame_too_large` (too many recipient devices for one frame), `not_connected`.
   */
  async send(
    conversationId: string,
    text: string,
    options: { messageId?: string } = {},
  ): Promise<SentMessage> {
    if (utf8(text).length > MAX_CHAT_TEXT_BYTES)
      throw new HypersendError('payload_too_large', `text is longer than ${MAX_CHAT_TEXT_BYTES} bytes`);
    return this.post(conversationId, 'text', { text }, options.messageId);
  }

  /**
   * Post a file offer: the transfer id in clear (so the transfer code can find it) and a summary
   * of the files encrypted like a text.
   *
   * @example
   * await client.chat.sendFileOffer(conv.id, transfer.id, { names: ['report.pdf'], size: 1234, files: 1 });
   */
  async sendFileOffer(
    conversationId: string,
    transferId: string,
    summary: FileOfferSummary,
    options: { messageId?: string } = {},
  ): Promise<SentMessage> {
    idSegment(transferId, 'transfer');
    return this.post(conversationId, 'file', { file: { transferId, summary } }, options.messageId);
  }

  /**
   * A page of history (at most 100), ascending by `seq`: `after` pages forward, `before`
   * backward, neither gives the newest page. Messages are decrypted for this device.
   *
   * @example
   * let page = await client.chat.history(id, { limit: 50 });
   * while (page.more) page = await client.chat.history(id, { before: page.messages[0]!.seq });
   */
  async history(
    conversationId: string,
    options: { before?: number; after?: number; limit?: number } = {},
  ): Promise<HistoryPageView> {
    const self = this.requireSelf();
    const page = await this.deps.http.authed({
      method: 'POST',
      path: `${this.conversationPath(conversationId)}/history`,
      body: { device: self.identity.deviceId, ...options },
      schema: HistoryPage,
    });
    const messages: ChatMessageView[] = [];
    for (const m of page.messages) messages.push(await this.open(m));
    return { messages, more: page.more };
  }

  /**
   * Mark everything up to `seq` as read (cumulative; members see a `receipt`).
   *
   * @example
   * await client.chat.markRead(conv.id, lastShown.seq);
   */
  async markRead(conversationId: string, seq: number): Promise<void> {
    await this.requireSignaling().chatRequest({
      type: 'chat.receipt',
      conversation: conversationId,
      kind: 'read',
      seq,
    });
  }

  /**
   * Tell the other members you are typing (not stored; call again every few seconds).
   *
   * @example
   * input.addEventListener('input', () => void client.chat.typing(conv.id));
   */
  async typing(conversationId: string): Promise<void> {
    await this.requireSignaling().chatRequest({ type: 'chat.typing', conversation: conversationId });
  }

  /**
   * Delete one of your messages for everyone; it stays in history as a tombstone.
   *
   * @example
   * await client.chat.deleteMessage(conv.id, sent.messageId);
   * @throws HypersendError `not_found`, `forbidden` (not your message).
   */
  async deleteMessage(conversationId: string, messageId: string): Promise<void> {
    await this.requireSignaling().chatRequest({
      type: 'chat.delete',
      conversation: conversationId,
      messageId,
    });
  }

  /**
   * Catch up: every message after this device's acknowledged sequence, in every conversation,
   * as `message` events. Runs by itself on every (re)connect.
   *
   * @example
   * const { messages } = await client.chat.sync();
   */
  async sync(): Promise<{ messages: number }> {
    const answer = await this.requireSignaling().chatRequest<{ messages: number }>({ type: 'chat.sync' });
    await this.inbox.idle();
    this.emit('synced', { messages: answer.messages });
    return { messages: answer.messages };
  }

  /** Stop following the signaling connection and drop pending receipt timers. */
  close(): void {
    for (const d of this.detach) d();
    this.detach = [];
    this.receipts.close();
  }

  /**
   * Drop the cached device list of `username` (all users without one): its keys changed, so the
   * next send must seal to the keys the key directory holds now.
   *
   * @internal called by HypersendClient on the key directory's `key-changed` and `device-added`.
   */
  forgetDevices(username?: string): void {
    this.members.forget(username);
  }

  // ---- internals ----

  private async post(
    conversationId: string,
    kind: 'text' | 'file',
    content: Pick<ChatBody, 'text' | 'file'>,
    messageId: string | undefined,
  ): Promise<SentMessage> {
    idSegment(conversationId, 'conversation');
    if (messageId !== undefined) idSegment(messageId, 'messageId');
    const self = this.requireSelf();
    const signaling = this.requireSignaling();
    await loadSodium();
    const id = messageId ?? `m_${toBase64Url(sodiumSync().randombytes_buf(16))}`;
    // Cached: membership changes arrive as system messages, which drop the cached entry, so
    // a send does not pay a round trip for the member list.
    const conv = await this.conversation(conversationId, false);
    const { recipients, skipped } = await this.members.recipients(conv);
    const outgoing = { conversation: conversationId, messageId: id, kind, content };
    return sendSealed(signaling, self, outgoing, recipients, skipped);
  }

  private onFrame(frame: ChatServerMessage): void {
    switch (frame.type) {
      case 'chat.message':
        this.inbox.push(frame.message);
        return;
      case 'chat.receipt':
        this.emit('receipt', {
          conversation: frame.conversation,
          user: frame.user,
          delivered: frame.delivered,
          read: frame.read,
        });
        return;
      case 'chat.typing':
        this.emit('typing', { conversation: frame.conversation, user: frame.user, device: frame.device });
        return;
      case 'chat.deleted':
        this.emit('deleted', {
          conversation: frame.conversation,
          messageId: frame.messageId,
          seq: frame.seq,
          deletedAt: frame.deletedAt,
        });
        return;
      case 'chat.sent':
      case 'chat.synced':
        // Answers without a pending request (late after a timeout): nothing to do.
        return;
      default:
        frame satisfies never;
    }
  }

  /** Called by the inbox once per message, in order. */
  private async accept(message: ChatMessage): Promise<void> {
    const view = await this.open(message);
    if (view.system) {
      this.forgetConversation(view.conversation);
      this.emit('membership', { conversation: view.conversation, event: view.system, seq: view.seq });
    }
    // A message that was never encrypted for this device is no error; a broken one is.
    if (view.failure !== undefined && view.failure !== 'not_found')
      this.reportError(
        new HypersendError(view.failure, `message ${view.conversation}#${view.seq} could not be opened`),
      );
    this.emit('message', view);
    this.receipts.note(view.conversation, view.seq);
  }

  /** Turn a wire message into what the app sees, opening this device's envelope. */
  private async open(m: ChatMessage): Promise<ChatMessageView> {
    const self = this.requireSelf();
    const lookup: SenderDeviceLookup = (conversation, user, device) =>
      this.members.sender(conversation, user, device, user === self.userId ? self.username : undefined);
    return messageView(m, self, lookup, this.log);
  }

  private requireSelf(): NonNullable<ReturnType<ChatDeps['self']>> {
    const self = this.deps.self();
    if (self === undefined) throw new HypersendError('not_connected', 'chat: call connect() first');
    return self;
  }

  private requireSignaling(): SignalingClient {
    const signaling = this.deps.signaling();
    if (signaling === undefined) throw new HypersendError('not_connected', 'chat: call connect() first');
    return signaling;
  }

  private reportError(err: unknown): void {
    const error =
      err instanceof HypersendError
        ? err
        : new HypersendError('bad_response', 'chat failure', { cause: err });
    this.emit('error', { error });
  }
}
