import type { Relationships } from '../context.ts';
import type { ChatStore } from './chat-store.ts';

/**
 * Reachability with chat: accepted contacts (the wrapped relationships) or members of a shared
 * conversation may signal each other and see each other's device keys. Presence stays with
 * contacts: sharing a group does not announce when someone comes online.
 *
 * @example
 * const relationships = new ChatRelationships(new ContactRelationships(store), chatStore);
 * await relationships.canReach(alice, carol); // true while both are in one group
 */
export class ChatRelationships implements Relationships {
  constructor(
    /** Contacts only: who may be added to a conversation. */
    readonly contacts: Relationships,
    private readonly chat: ChatStore,
  ) {}

  async canReach(fromUserId: string, toUserId: string): Promise<boolean> {
    if (fromUserId === toUserId) return false;
    if (await this.contacts.canReach(fromUserId, toUserId)) return true;
    return this.shareConversation(fromUserId, toUserId);
  }

  audienceOf(userId: string): Promise<string[]> {
    return this.contacts.audienceOf(userId);
  }

  private async shareConversation(a: string, b: string): Promise<boolean> {
    for (const m of await this.chat.listMemberships(a))
      if ((await this.chat.getMember(m.conversationId, b)) !== null) return true;
    return false;
  }
}
