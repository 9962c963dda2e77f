import type { ContactInfo, ContactList } from '@hypersend/protocol';
import type { Logger } from 'pino';
import type { Clock } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import type { ContactEdge, Store } from '../store/store.ts';

/**
 * Contact rules over the edge model: each side keeps its own edge (`requested` → `incoming` on the
 * other side; both `accepted`; `blocked` is one-sided). Outcomes that would reveal whether someone
 * exists or has blocked you are silent.
 */
export interface Contacts {
  list(userId: string): Promise<ContactList>;
  /** Always succeeds from the caller's point of view (answered 202). */
  request(userId: string, username: string): Promise<void>;
  accept(userId: string, peerId: string): Promise<ContactInfo>;
  remove(userId: string, peerId: string): Promise<void>;
  block(userId: string, peerId: string): Promise<void>;
}

/**
 * @example
 * const contacts = createContacts({ store, clock, log });
 * await contacts.request(alice.id, 'bob'); await contacts.accept(bob.id, alice.id);
 */
export function createContacts(deps: {
  store: Store;
  clock: Clock;
  log: Logger;
  /** Told after every change of the edges between two users (cache invalidation). */
  onChange?: (userId: string, peerId: string) => void;
}): Contacts {
  const { store, clock, log } = deps;
  const changed = (userId: string, peerId: string): void => deps.onChange?.(userId, peerId);
  const edge = (userId: string, peerId: string, state: ContactEdge['state']): ContactEdge => ({
    userId,
    peerId,
    state,
    updatedAt: clock.now(),
  });

  return {
    async list(userId) {
      const edges = await store.listContactEdges(userId);
      const contacts: ContactInfo[] = [];
      for (const e of edges) {
        const peer = await store.getUserById(e.peerId);
        if (!peer) continue;
        contacts.push({
          userId: peer.id,
          username: peer.username,
          displayName: peer.displayName,
          state: e.state,
          since: new Date(e.updatedAt).toISOString(),
        });
      }
      return { contacts };
    },

    async request(userId, username) {
      const target = await store.getUserByUsername(username.toLowerCase());
      if (!target || target.id === userId) return;
      const [mine, theirs] = await Promise.all([
        store.getContactEdge(userId, target.id),
        store.getContactEdge(target.id, userId),
      ]);
      // Blocked either way, or already related: nothing changes and nothing is said.
      if (theirs?.state === 'blocked' || mine?.state === 'blocked' || mine?.state === 'accepted') return;
      if (theirs?.state === 'requested') {
        // They asked first: a request back is an acceptance.
        await store.putContactEdge(edge(userId, target.id, 'accepted'));
        await store.putContactEdge(edge(target.id, userId, 'accepted'));
        changed(userId, target.id);
        log.info({ userId, peerId: target.id }, 'contact accepted (mutual request)');
        return;
      }
      if (mine?.state === 'requested') return;
      await store.putContactEdge(edge(userId, target.id, 'requested'));
      await store.putContactEdge(edge(target.id, userId, 'incoming'));
      changed(userId, target.id);
    },

    async accept(userId, peerId) {
      const mine = await store.getContactEdge(userId, peerId);
      const theirs = await store.getContactEdge(peerId, userId);
      const peer = await store.getUserById(peerId);
      if (!peer || mine?.state !== 'incoming' || theirs?.state !== 'requested')
        throw HttpError.notFound('no pending request from this user');
      const accepted = edge(userId, peerId, 'accepted');
      await store.putContactEdge(accepted);
      await store.putContactEdge(edge(peerId, userId, 'accepted'));
      changed(userId, peerId);
      return {
        userId: peer.id,
        username: peer.username,
        displayName: peer.displayName,
        state: 'accepted',
        since: new Date(accepted.updatedAt).toISOString(),
      };
    },

    async remove(userId, peerId) {
      // Removing my edge also withdraws or declines requests; unblocking is removing a block.
      await store.deleteContactEdge(userId, peerId);
      const theirs = await store.getContactEdge(peerId, userId);
      // Their block is theirs to keep.
      if (theirs && theirs.state !== 'blocked') await store.deleteContactEdge(peerId, userId);
      changed(userId, peerId);
    },

    async block(userId, peerId) {
      if (userId === peerId || !(await store.getUserById(peerId))) return;
      await store.putContactEdge(edge(userId, peerId, 'blocked'));
      const theirs = await store.getContactEdge(peerId, userId);
      if (theirs && theirs.state !== 'blocked') await store.deleteContactEdge(peerId, userId);
      changed(userId, peerId);
      log.info({ userId, peerId }, 'contact blocked');
    },
  };
}
