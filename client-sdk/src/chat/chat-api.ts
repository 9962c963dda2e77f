import {
  type ChatMessage,
  type ChatServerMessage,
  type ConversationInfo,
  ConversationInfo as ConversationInfoSchema,
  ConversationList,
  HistoryPage,
  Id,
  MAX_CHAT_TEXT_BYTES,
} from '@hypersend/protocol';
import type { HttpTransport } from '../api/http-transport.ts';
import { childLogger, type Logger } from '../api/runtime.ts';
import type { ContactDevice } from '../contacts/key-directory.ts';
import { loadSodium, sodiumSync } from '../crypto/sodium.ts';
import { toBase64Url, utf8 } from '../encoding.ts';
import { HypersendError } from '../errors.ts';
import { Emitter } from '../events.ts';
import type { DeviceIdentity } from '../identity/device-identity.ts';
import type { SignalingClient } from '../signaling/signaling-client.ts';
import { type ChatBody, openChatBody, sealChatBody } from './chat-crypto.ts';
import type {
  ChatEvents,
  ChatMessageView,
  ConversationKind,
  FileOfferSummary,
  HistoryPageView,
  SentMessage,
} from './chat-types.ts';
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

const idSegment = (value: string, what: string): string => {
  if (!Id.safeParse(value).success) throw HypersendError.invalidArgument(`${what} is not a valid id`);
  return value;
};

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
export class ChatApi extends Emitter<ChatEvents> {
  private readonly log: Logger;
  private readonly conversations = new Map<string, ConversationInfo>();
  private readonly deviceCache = new Map<string, { at: number; devices: ContactDevice[] }>();
  private readonly inbox: OrderedInbox;
  private readonly deliveredTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly delivered = new Map<string, number>();
  private detach: Array<() => void> = [];
  /**
   * Catch up automatically on every (re)connect (default). A one-shot sender that never shows
   * incoming messages turns it off, so it does not acknowledge them as delivered.
   */
  autoSync = true;

  constructor(private readonly deps: ChatDeps) {
    super();
    this.log = childLogger(deps.log, 'chat');
    this.inbox = new OrderedInbox((m) => this.accept(m));
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
   * Start a conversation. One member and no title makes (or returns the existing) direct
   * conversation; otherwise a group owned by you. Members are user ids of accepted contacts.
   *
   * @example
   * const direct = await client.chat.create([bob.userId]);
   * const team = await client.chat.create([bob.userId, carol.userId], { title: 'Release' });
   * @throws HypersendError `not_found` (a member is not a contact), `limit_exceeded`, `bad_request`.
   */
  async create(
    members: string[],
    options: { title?: string; kind?: ConversationKind } = {},
  ): Promise<ConversationInfo> {
    const kind = options.kind ?? (members.length === 1 && options.title === undefined ? 'direct' : 'group');
    const body = { kind, members, ...(options.title === undefined ? {} : { title: options.title }) };
    const info = await this.deps.http.authed({
      method: 'POST',
      path: '/v1/conversations',
      body,
      schema: ConversationInfoSchema,
    });
    this.conversations.set(info.id, info);
    return info;
  }

  /**
   * Conversations you are a member of, with members, receipts and the last sequence number.
   *
   * @example
   * for (const c of await client.chat.list()) console.log(c.title, c.lastSeq);
   */
  async list(): Promise<ConversationInfo[]> {
    const { conversations } = await this.deps.http.authed({
      method: 'GET',
      path: '/v1/conversations',
      schema: ConversationList,
    });
    for (const c of conversations) this.conversations.set(c.id, c);
    return conversations;
  }

  /**
   * One conversation, fresh from the server.
   *
   * @example
   * const conv = await client.chat.get(id);
   * @throws HypersendError `not_found` for unknown conversations and ones you are not in alike.
   */
  async get(conversationId: string): Promise<ConversationInfo> {
    const info = await this.deps.http.authed({
      method: 'GET',
      path: `/v1/conversations/${idSegment(conversationId, 'conversation')}`,
      schema: ConversationInfoSchema,
    });
    this.conversations.set(info.id, info);
    return info;
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
      path: `/v1/conversations/${idSegment(conversationId, 'conversation')}/history`,
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
   * Rename a group (owner only).
   *
   * @example
   * await client.chat.rename(team.id, 'Release 2.0');
   */
  async rename(conversationId: string, title: string): Promise<ConversationInfo> {
    return this.mutate(`${this.path(conversationId)}/rename`, { title });
  }

  /**
   * Add contacts to a group (owner only).
   *
   * @example
   * await client.chat.addMembers(team.id, [dave.userId]);
   */
  async addMembers(conversationId: string, userIds: string[]): Promise<ConversationInfo> {
    return this.mutate(`${this.path(conversationId)}/members`, { members: userIds });
  }

  /**
   * Remove a member from a group (owner only).
   *
   * @example
   * await client.chat.removeMember(team.id, dave.userId);
   */
  async removeMember(conversationId: string, userId: string): Promise<void> {
    await this.deps.http.authed({
      method: 'DELETE',
      path: `${this.path(conversationId)}/members/${idSegment(userId, 'user')}`,
    });
    this.conversations.delete(conversationId);
  }

  /**
   * Leave a group. An owner who leaves hands ownership to the longest-standing member.
   *
   * @example
   * await client.chat.leave(team.id);
   */
  async leave(conversationId: string): Promise<void> {
    await this.deps.http.authed({ method: 'POST', path: `${this.path(conversationId)}/leave` });
    this.conversations.delete(conversationId);
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
    for (const t of this.deliveredTimers.values()) clearTimeout(t);
    this.deliveredTimers.clear();
  }

  // ---- internals ----

  private path(conversationId: string): string {
    return `/v1/conversations/${idSegment(conversationId, 'conversation')}`;
  }

  private async mutate(path: string, body: unknown): Promise<ConversationInfo> {
    const info = await this.deps.http.authed({ method: 'POST', path, body, schema: ConversationInfoSchema });
    this.conversations.set(info.id, info);
    return info;
  }

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
    const recipients = [];
    const skipped: string[] = [];
    for (const member of conv.members) {
      for (const d of await this.devices(member.username, false)) {
        const blocked = this.deps.isBlocked?.(d.userId, d.deviceId) ?? d.blocked;
        if (blocked) skipped.push(`${d.userId}/${d.deviceId}`);
        else recipients.push({ user: d.userId, device: d.deviceId, x25519: fromKey(d.x25519) });
      }
    }
    const envelopes = await sealChatBody(
      { conversation: conversationId, messageId: id, kind, ...content },
      { user: self.userId, device: self.identity.deviceId, secrets: self.identity.secrets },
      recipients,
    );
    const sent = await signaling.chatRequest<Extract<ChatServerMessage, { type: 'chat.sent' }>>({
      type: 'chat.send',
      conversation: conversationId,
      messageId: id,
      kind,
      ...(content.file ? { transferId: content.file.transferId } : {}),
      envelopes,
    });
    return {
      conversation: sent.conversation,
      messageId: sent.messageId,
      seq: sent.seq,
      sentAt: sent.sentAt,
      duplicate: sent.duplicate,
      devices: envelopes.length,
      skippedDevices: skipped,
    };
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
      this.conversations.delete(view.conversation);
      this.emit('membership', { conversation: view.conversation, event: view.system, seq: view.seq });
    }
    // A message that was never encrypted for this device is no error; a broken one is.
    if (view.failure !== undefined && view.failure !== 'not_found')
      this.reportError(
        new HypersendError(view.failure, `message ${view.conversation}#${view.seq} could not be opened`),
      );
    this.emit('message', view);
    this.scheduleDelivered(view.conversation, view.seq);
  }

  /** Acknowledge delivery in batches: one receipt per conversation per 100 ms at most. */
  private scheduleDelivered(conversation: string, seq: number): void {
    this.delivered.set(conversation, Math.max(seq, this.delivered.get(conversation) ?? 0));
    if (this.deliveredTimers.has(conversation)) return;
    const timer = setTimeout(() => {
      this.deliveredTimers.delete(conversation);
      const upTo = this.delivered.get(conversation);
      const signaling = this.deps.signaling();
      if (upTo === undefined || signaling === undefined || signaling.state !== 'open') return;
      signaling
        .chatRequest({ type: 'chat.receipt', conversation, kind: 'delivered', seq: upTo })
        .catch((err: unknown) => this.log.debug({ err }, 'delivered receipt failed'));
    }, 100);
    (timer as { unref?: () => void }).unref?.();
    this.deliveredTimers.set(conversation, timer);
  }

  /** Turn a wire message into what the app sees, opening this device's envelope. */
  private async open(m: ChatMessage): Promise<ChatMessageView> {
    const self = this.requireSelf();
    const view: ChatMessageView = {
      conversation: m.conversation,
      seq: m.seq,
      messageId: m.messageId,
      sender: m.sender,
      kind: m.kind,
      sentAt: m.sentAt,
      outgoing: m.sender.user === self.userId,
      ...(m.system === undefined ? {} : { system: m.system }),
      ...(m.deletedAt === undefined ? {} : { deletedAt: m.deletedAt }),
    };
    if (m.kind === 'system' || m.deletedAt !== undefined) return view;
    // Not addressed to this device (sent before it existed, or before the sender saw it).
    if (m.envelope === undefined) return { ...view, failure: 'not_found' };
    try {
      const sender = await this.senderDevice(m.conversation, m.sender.user, m.sender.device);
      const body = await openChatBody({
        nonce: m.envelope.nonce,
        box: m.envelope.box,
        conversation: m.conversation,
        messageId: m.messageId,
        kind: m.kind,
        sender: { user: m.sender.user, device: m.sender.device, x25519: fromKey(sender.x25519) },
        recipient: {
          user: self.userId,
          device: self.identity.deviceId,
          secrets: self.identity.secrets,
        },
      });
      return {
        ...view,
        ...(body.text === undefined ? {} : { text: body.text }),
        ...(body.file === undefined ? {} : { file: body.file }),
      };
    } catch (err) {
      const code = err instanceof HypersendError ? err.code : 'decrypt_failed';
      this.log.debug({ code, conversation: m.conversation, seq: m.seq }, 'message not opened');
      return { ...view, failure: code };
    }
  }

  /** The sender device's pinned keys; a blocked (changed) key is refused with `key_changed`. */
  private async senderDevice(conversation: string, user: string, device: string): Promise<ContactDevice> {
    const self = this.requireSelf();
    let username = user === self.userId ? self.username : undefined;
    if (username === undefined) {
      const conv = await this.conversation(conversation, false);
      username = conv.members.find((x) => x.userId === user)?.username;
      if (username === undefined)
        username = (await this.conversation(conversation, true)).members.find(
          (x) => x.userId === user,
        )?.username;
    }
    if (username === undefined) throw new HypersendError('not_found', 'sender is no longer a member');
    let found = (await this.devices(username, false)).find((d) => d.deviceId === device);
    found ??= (await this.devices(username, true)).find((d) => d.deviceId === device);
    if (found === undefined) throw new HypersendError('not_found', 'sender device is unknown');
    if (found.blocked) throw HypersendError.keyChanged(`${user}/${device}`);
    return found;
  }

  private async conversation(id: string, fresh: boolean): Promise<ConversationInfo> {
    const cached = this.conversations.get(id);
    if (cached !== undefined && !fresh) return cached;
    return this.get(id);
  }

  /**
   * Drop the cached device list of `username` (all users without one): its keys changed, so the
   * next send must seal to the keys the key directory holds now.
   *
   * @internal called by HypersendClient on the key directory's `key-changed` and `device-added`.
   */
  forgetDevices(username?: string): void {
    if (username === undefined) this.deviceCache.clear();
    else this.deviceCache.delete(username);
  }

  private async devices(username: string, fresh: boolean): Promise<ContactDevice[]> {
    const now = this.deps.now?.() ?? Date.now();
    const cached = this.deviceCache.get(username);
    if (!fresh && cached !== undefined && now - cached.at < (this.deps.deviceCacheMs ?? 10_000))
      return cached.devices;
    const devices = await this.deps.devicesOf(username);
    this.deviceCache.set(username, { at: now, devices });
    return devices;
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

function fromKey(base64url: string): Uint8Array {
  // Keys come from the key directory, already checked as 32-byte base64url.
  const na = sodiumSync();
  return na.from_base64(base64url, na.base64_variants.URLSAFE_NO_PADDING);
}
