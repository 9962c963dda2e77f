// Conversation membership over HTTP (`/v1/conversations…`) and the cache of it that sending and
// opening messages read, so a message does not cost a round trip for its member list.
import {
  type ConversationInfo,
  ConversationInfo as ConversationInfoSchema,
  ConversationList,
  Id,
} from '@hypersend/protocol';
import type { HttpTransport } from '../api/http-transport.ts';
import { HypersendError } from '../errors.ts';
import { Emitter } from '../events.ts';
import type { ChatEvents, ConversationKind } from './chat-types.ts';

/** `value` if it is a valid id (safe as a URL path segment); `invalid_argument` naming `what` otherwise. */
export const idSegment = (value: string, what: string): string => {
  if (!Id.safeParse(value).success) throw HypersendError.invalidArgument(`${what} is not a valid id`);
  return value;
};

/**
 * The conversation half of `client.chat`: create, list, fetch, rename, add and remove members,
 * leave. `ChatApi` (chat-api.ts) extends it with messages; it is not constructed on its own.
 *
 * @example
 * const team = await client.chat.create([bob.userId, carol.userId], { title: 'Release' });
 * await client.chat.addMembers(team.id, [dave.userId]);
 */
export class ChatConversations extends Emitter<ChatEvents> {
  /**
   * Conversations as last seen. Membership changes arrive as system messages, which drop the
   * entry (see {@link forgetConversation}), so a cached member list is never trusted past one.
   */
  private readonly conversations = new Map<string, ConversationInfo>();

  constructor(private readonly http: HttpTransport) {
    super();
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
    const info = await this.http.authed({
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
    const { conversations } = await this.http.authed({
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
    const info = await this.http.authed({
      method: 'GET',
      path: this.conversationPath(conversationId),
      schema: ConversationInfoSchema,
    });
    this.conversations.set(info.id, info);
    return info;
  }

  /**
   * Rename a group (owner only).
   *
   * @example
   * await client.chat.rename(team.id, 'Release 2.0');
   */
  async rename(conversationId: string, title: string): Promise<ConversationInfo> {
    return this.mutate(`${this.conversationPath(conversationId)}/rename`, { title });
  }

  /**
   * Add contacts to a group (owner only).
   *
   * @example
   * await client.chat.addMembers(team.id, [dave.userId]);
   */
  async addMembers(conversationId: string, userIds: string[]): Promise<ConversationInfo> {
    return this.mutate(`${this.conversationPath(conversationId)}/members`, { members: userIds });
  }

  /**
   * Remove a member from a group (owner only).
   *
   * @example
   * await client.chat.removeMember(team.id, dave.userId);
   */
  async removeMember(conversationId: string, userId: string): Promise<void> {
    await this.http.authed({
      method: 'DELETE',
      path: `${this.conversationPath(conversationId)}/members/${idSegment(userId, 'user')}`,
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
    await this.http.authed({ method: 'POST', path: `${this.conversationPath(conversationId)}/leave` });
    this.conversations.delete(conversationId);
  }

  /** `/v1/conversations/<id>`, the id checked first. */
  protected conversationPath(conversationId: string): string {
    return `/v1/conversations/${idSegment(conversationId, 'conversation')}`;
  }

  /** The cached conversation, or (`fresh`, or none cached) the server's. */
  protected async conversation(id: string, fresh: boolean): Promise<ConversationInfo> {
    const cached = this.conversations.get(id);
    if (cached !== undefined && !fresh) return cached;
    return this.get(id);
  }

  /** Drop a cached conversation: its membership changed. */
  protected forgetConversation(id: string): void {
    this.conversations.delete(id);
  }

  private async mutate(path: string, body: unknown): Promise<ConversationInfo> {
    const info = await this.http.authed({ method: 'POST', path, body, schema: ConversationInfoSchema });
    this.conversations.set(info.id, info);
    return info;
  }
}
