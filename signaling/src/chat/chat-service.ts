import { randomBytes } from 'node:crypto';
import {
  type ChatSendRequest,
  type ConversationInfo,
  type CreateConversationRequest,
  ErrorCode,
  type HistoryPage,
  type HistoryRequest,
  MAX_HISTORY_PAGE,
  type SystemEvent,
} from '@hypersend/protocol';
import type { Logger } from 'pino';
import type { Clock, Relationships } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import { type Store, StoreConflictError } from '../store/store.ts';
import type { ChatHub } from './chat-hub.ts';
import { toWireMessage } from './chat-hub.ts';
import { type ChatLimits, DEFAULT_CHAT_LIMITS, SendRate } from './chat-limits.ts';
import {
  type ChatStore,
  type ConversationRecord,
  directKeyOf,
  type MemberRecord,
  type MessageRecord,
} from './chat-store.ts';
import { KeyedQueue } from './keyed-queue.ts';

/** Device id recorded as the sender of server-written (system) messages. */
export const SYSTEM_DEVICE = 'server';

/** One answer for "no such conversation" and "not a member": existence is not revealed. */
const notFound = () => HttpError.notFound('conversation not found');
const limitExceeded = (message: string) => new HttpError(409, ErrorCode.limitExceeded, message);

/** Dependencies of {@link createChatService}. */
export interface ChatServiceDeps {
  store: Store;
  chat: ChatStore;
  /** Contact relationships only (who may be added to a conversation). */
  contacts: Relationships;
  hub: ChatHub;
  clock: Clock;
  log: Logger;
  limits?: Partial<ChatLimits>;
  /** Told about user pairs whose shared membership changed (drops cached reachability). */
  onRelationshipChange?(a: string, b: string): void;
}

export type ChatService = ReturnType<typeof createChatService>;

/**
 * The rules of chat: membership and roles, authorization of every call (a non-member gets the
 * same `not_found` as for a conversation that does not exist), limits, sequence-ordered delivery
 * and system messages for membership changes. HTTP routes and the WebSocket handler are thin
 * layers over it.
 *
 * @example
 * const chat = createChatService({ store, chat: chatStore, contacts, hub, clock, log });
 * const conv = await chat.create(aliceId, { kind: 'direct', members: [bobId] });
 */
export function createChatService(deps: ChatServiceDeps) {
  const { store, chat, contacts, hub, clock, log } = deps;
  const limits: ChatLimits = { ...DEFAULT_CHAT_LIMITS, ...deps.limits };
  const rate = new SendRate(limits, () => clock.now());
  // Appends of one conversation run one at a time on this node, so live delivery leaves in
  // sequence order; correctness across nodes rests on the store's unique (conversation, seq).
  const appends = new KeyedQueue();

  const requireMember = async (conversationId: string, userId: string): Promise<MemberRecord> => {
    const member = await chat.getMember(conversationId, userId);
    if (member === null) throw notFound();
    return member;
  };
  const requireConversation = async (conversationId: string, userId: string) => {
    const member = await requireMember(conversationId, userId);
    const conversation = await chat.getConversation(conversationId);
    if (conversation === null) throw notFound();
    return { member, conversation };
  };
  const requireGroupOwner = async (conversationId: string, userId: string) => {
    const found = await requireConversation(conversationId, userId);
    if (found.conversation.kind !== 'group')
      throw HttpError.badRequest('a direct conversation has fixed members and no title');
    if (found.member.role !== 'owner') throw HttpError.forbidden('only the owner may do this');
    return found;
  };
  const assertContacts = async (userId: string, others: string[]): Promise<void> => {
    for (const other of others) {
      // Strangers and unknown users are answered alike, like everywhere else.
      if (other === userId || !(await contacts.canReach(userId, other)))
        throw HttpError.notFound(`user ${other} not found among your contacts`);
    }
  };
  const assertRoomFor = async (userIds: string[]): Promise<void> => {
    for (const u of userIds)
      if ((await chat.countMemberships(u)) >= limits.maxConversationsPerUser)
        throw limitExceeded(`a member is in ${limits.maxConversationsPerUser} conversations already`);
  };
  const announceReach = (a: string, others: Iterable<string>) => {
    for (const b of others) if (a !== b) deps.onRelationshipChange?.(a, b);
  };

  const info = async (conversation: ConversationRecord): Promise<ConversationInfo> => {
    const [members, lastSeq] = await Promise.all([
      chat.listMembers(conversation.id),
      chat.lastSeq(conversation.id),
    ]);
    const users = await Promise.all(members.map((m) => store.getUserById(m.userId)));
    return {
      id: conversation.id,
      kind: conversation.kind,
      title: conversation.title,
      createdAt: conversation.createdAt,
      lastSeq,
      members: members.map((m, i) => ({
        userId: m.userId,
        username: users[i]?.username ?? 'unknown',
        displayName: users[i]?.displayName ?? '',
        role: m.role,
        joinedAt: m.joinedAt,
        delivered: m.delivered,
        read: m.read,
      })),
    };
  };

  /** Append and deliver to the members' chat connections (plus `extra`, e.g. a removed member). */
  const appendAndDeliver = (record: Omit<MessageRecord, 'seq' | 'deletedAt'>, extra: string[] = []) =>
    appends.run(record.conversationId, async () => {
      const result = await chat.appendMessage(record);
      if (!result.duplicate) {
        const members = await chat.listMembers(record.conversationId);
        hub.deliver([...members.map((m) => m.userId), ...extra], result.message);
      }
      return result;
    });

  const system = (conversationId: string, event: SystemEvent, extra: string[] = []) =>
    appendAndDeliver(
      {
        conversationId,
        messageId: `sys_${randomBytes(12).toString('base64url')}`,
        senderUser: event.actor,
        senderDevice: SYSTEM_DEVICE,
        kind: 'system',
        sentAt: clock.now(),
        transferId: null,
        system: event,
        envelopes: [],
      },
      extra,
    );

  return {
    limits,

    async create(userId: string, req: CreateConversationRequest): Promise<ConversationInfo> {
      const others = [...new Set(req.members)];
      if (req.kind === 'direct' && (others.length !== 1 || req.title !== undefined))
        throw HttpError.badRequest('a direct conversation has exactly one other member and no title');
      if (others.length + 1 > limits.maxGroupMembers)
        throw limitExceeded(`at most ${limits.maxGroupMembers} members per group`);
      await assertContacts(userId, others);
      if (req.kind === 'direct') {
        const existing = await chat.findConversationByDirectKey(directKeyOf(userId, others[0]!));
        if (existing !== null && (await chat.getMember(existing.id, userId)) !== null) return info(existing);
      }
      await assertRoomFor([userId, ...others]);
      const now = clock.now();
      const id = `c_${randomBytes(12).toString('base64url')}`;
      const conversation: ConversationRecord = {
        id,
        kind: req.kind,
        title: req.title ?? '',
        createdAt: now,
        createdBy: userId,
        directKey: req.kind === 'direct' ? directKeyOf(userId, others[0]!) : `g:${id}`,
      };
      const members: MemberRecord[] = [userId, ...others].map((u, i) => ({
        conversationId: id,
        userId: u,
        role: req.kind === 'group' && i === 0 ? 'owner' : 'member',
        joinedAt: now,
        delivered: 0,
        read: 0,
      }));
      try {
        await chat.createConversation(conversation, members);
      } catch (err) {
        if (!(err instanceof StoreConflictError)) throw err;
        // Both sides started the same direct conversation at once: answer with the winner.
        const winner = await chat.findConversationByDirectKey(conversation.directKey);
        if (winner === null) throw err;
        return info(winner);
      }
      announceReach(userId, others);
      await system(id, {
        event: 'created',
        actor: userId,
        users: others,
        ...(req.title === undefined ? {} : { title: req.title }),
      });
      log.debug({ conversation: id, kind: req.kind, members: members.length }, 'conversation created');
      return info(conversation);
    },

    async list(userId: string): Promise<ConversationInfo[]> {
      const memberships = await chat.listMemberships(userId);
      const conversations = await Promise.all(memberships.map((m) => chat.getConversation(m.conversationId)));
      return Promise.all(conversations.filter((c): c is ConversationRecord => c !== null).map(info));
    },

    async get(userId: string, conversationId: string): Promise<ConversationInfo> {
      return info((await requireConversation(conversationId, userId)).conversation);
    },

    async rename(userId: string, conversationId: string, title: string): Promise<ConversationInfo> {
      const { conversation } = await requireGroupOwner(conversationId, userId);
      await chat.setTitle(conversationId, title);
      await system(conversationId, { event: 'renamed', actor: userId, title });
      return info({ ...conversation, title });
    },

    async addMembers(userId: string, conversationId: string, userIds: string[]): Promise<ConversationInfo> {
      const { conversation } = await requireGroupOwner(conversationId, userId);
      const current = new Set((await chat.listMembers(conversationId)).map((m) => m.userId));
      const added = [...new Set(userIds)].filter((u) => !current.has(u));
      if (added.length === 0) return info(conversation);
      if (current.size + added.length > limits.maxGroupMembers)
        throw limitExceeded(`at most ${limits.maxGroupMembers} members per group`);
      await assertContacts(userId, added);
      await assertRoomFor(added);
      const now = clock.now();
      for (const u of added)
        await chat.putMember({
          conversationId,
          userId: u,
          role: 'member',
          joinedAt: now,
          delivered: 0,
          read: 0,
        });
      for (const u of added) announceReach(u, current);
      await system(conversationId, { event: 'added', actor: userId, users: added });
      return info(conversation);
    },

    async removeMember(userId: string, conversationId: string, target: string): Promise<void> {
      if (target === userId) return this.leave(userId, conversationId);
      await requireGroupOwner(conversationId, userId);
      if ((await chat.getMember(conversationId, target)) === null)
        throw HttpError.notFound('not a member of this conversation');
      // Recorded before the removal so the removed member's devices see it too.
      await system(conversationId, { event: 'removed', actor: userId, users: [target] }, [target]);
      await chat.deleteMember(conversationId, target);
      announceReach(
        target,
        (await chat.listMembers(conversationId)).map((m) => m.userId),
      );
    },

    async leave(userId: string, conversationId: string): Promise<void> {
      const { member, conversation } = await requireConversation(conversationId, userId);
      if (conversation.kind !== 'group') throw HttpError.badRequest('a direct conversation cannot be left');
      await system(conversationId, { event: 'left', actor: userId }, [userId]);
      await chat.deleteMember(conversationId, userId);
      const rest = await chat.listMembers(conversationId);
      if (member.role === 'owner' && rest.length > 0 && !rest.some((m) => m.role === 'owner'))
        await chat.putMember({ ...rest[0]!, role: 'owner' });
      announceReach(
        userId,
        rest.map((m) => m.userId),
      );
    },

    async history(userId: string, conversationId: string, req: HistoryRequest): Promise<HistoryPage> {
      await requireMember(conversationId, userId);
      const limit = Math.min(req.limit ?? 50, MAX_HISTORY_PAGE);
      // One more than asked tells whether there is more in that direction.
      const page = { limit: limit + 1, ...(req.after === undefined ? {} : { after: req.after }) };
      const rows = await chat.listMessages(
        conversationId,
        req.before === undefined ? page : { ...page, before: req.before },
      );
      const more = rows.length > limit;
      const kept = more ? (req.after === undefined ? rows.slice(1) : rows.slice(0, limit)) : rows;
      return { messages: kept.map((m) => toWireMessage(m, userId, req.device)), more };
    },

    /** Store (once) and deliver a message from `userId`'s `deviceId`. */
    async send(userId: string, deviceId: string, req: ChatSendRequest) {
      const members = await chat.listMembers(req.conversation);
      if (!members.some((m) => m.userId === userId)) throw notFound();
      if (!rate.take(userId)) throw HttpError.rateLimited(1, 'chat_send');
      if (req.envelopes.length > limits.maxEnvelopes)
        throw limitExceeded(`at most ${limits.maxEnvelopes} recipient devices per message`);
      if (req.envelopes.some((e) => e.box.length > limits.maxBoxChars))
        throw new HttpError(413, ErrorCode.payloadTooLarge, 'message body too large');
      const memberIds = new Set(members.map((m) => m.userId));
      if (req.envelopes.some((e) => !memberIds.has(e.user)))
        throw HttpError.badRequest('an envelope is addressed to someone who is not a member');
      if ((req.kind === 'file') !== (req.transferId !== undefined))
        throw HttpError.badRequest('transferId belongs to file offers, and file offers need one');
      return appendAndDeliver({
        conversationId: req.conversation,
        messageId: req.messageId,
        senderUser: userId,
        senderDevice: deviceId,
        kind: req.kind,
        sentAt: clock.now(),
        transferId: req.transferId ?? null,
        system: null,
        envelopes: req.envelopes,
      });
    },

    /** Record a cumulative receipt; returns the member when its receipts changed. */
    async receipt(
      userId: string,
      deviceId: string,
      conversationId: string,
      kind: 'delivered' | 'read',
      seq: number,
    ) {
      await requireMember(conversationId, userId);
      const last = await chat.lastSeq(conversationId);
      const upTo = Math.min(seq, last);
      await chat.raiseDeviceCursor(conversationId, userId, deviceId, upTo);
      const delivered = await chat.raiseReceipt(conversationId, userId, 'delivered', upTo);
      const read = kind === 'read' ? await chat.raiseReceipt(conversationId, userId, 'read', upTo) : null;
      const changed = read ?? delivered;
      if (changed === null) return null;
      const members = await chat.listMembers(conversationId);
      hub.broadcast(
        members.map((m) => m.userId),
        JSON.stringify({
          type: 'chat.receipt',
          conversation: conversationId,
          user: userId,
          delivered: changed.delivered,
          read: changed.read,
        }),
      );
      return changed;
    },

    async deleteMessage(userId: string, conversationId: string, messageId: string) {
      await requireMember(conversationId, userId);
      const message = await chat.getMessage(conversationId, messageId);
      if (message === null) throw HttpError.notFound('message not found');
      if (message.senderUser !== userId || message.kind === 'system')
        throw HttpError.forbidden('only the sender may delete a message');
      const tomb = await chat.tombstone(conversationId, messageId, clock.now());
      if (tomb === null) throw HttpError.notFound('message not found');
      const members = await chat.listMembers(conversationId);
      hub.broadcast(
        members.map((m) => m.userId),
        JSON.stringify({
          type: 'chat.deleted',
          conversation: conversationId,
          messageId,
          seq: tomb.seq,
          deletedAt: tomb.deletedAt,
        }),
      );
    },

    /** Members other than `userId`, for typing indicators; throws `not_found` for non-members. */
    async othersOf(userId: string, conversationId: string): Promise<string[]> {
      const members = await chat.listMembers(conversationId);
      if (!members.some((m) => m.userId === userId)) throw notFound();
      return members.map((m) => m.userId).filter((u) => u !== userId);
    },
  };
}
