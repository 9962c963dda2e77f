// Resolve a chat target given on the command line: a conversation id or a contact's username.
import type { ConversationInfo } from '@hypersend/protocol';
import { HypersendError } from '../../errors.ts';
import type { HypersendClient } from '../../hypersend-client.ts';

/** Conversation ids start with `c_` (server-made); usernames cannot contain `_` first. */
const CONVERSATION_ID = /^c_[A-Za-z0-9_-]{1,62}$/;

/**
 * `target` as a conversation: an id names it directly; a username names the direct conversation
 * with that contact (created on first use).
 *
 * @example
 * const conv = await resolveConversation(client, 'bob');
 * @throws HypersendError `not_found` when the user is not a contact or the conversation is unknown.
 */
export async function resolveConversation(
  client: HypersendClient,
  target: string,
): Promise<ConversationInfo> {
  if (CONVERSATION_ID.test(target)) return client.chat.get(target);
  const contact = (await client.contacts.list()).find((c) => c.username === target && c.state === 'accepted');
  if (contact === undefined) throw new HypersendError('not_found', `${target} is not one of your contacts`);
  return client.chat.create([contact.userId]);
}

/** Display name of a member for chat output. */
export function nameOf(conv: ConversationInfo, userId: string): string {
  return conv.members.find((m) => m.userId === userId)?.username ?? userId;
}
