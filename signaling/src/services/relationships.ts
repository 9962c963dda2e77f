import type { Relationships } from '../context.ts';
import type { Store } from '../store/store.ts';

/**
 * Who may reach whom. Today: accepted contacts, in both directions (a block or a pending request
 * on either side means no). Chat membership will be a second source of reachability here.
 *
 * @example
 * const relationships = new ContactRelationships(store);
 * await relationships.canReach(alice.id, bob.id); // true once both edges are accepted
 */
export class ContactRelationships implements Relationships {
  constructor(private readonly store: Store) {}

  async canReach(fromUserId: string, toUserId: string): Promise<boolean> {
    if (fromUserId === toUserId) return false;
    const [mine, theirs] = await Promise.all([
      this.store.getContactEdge(fromUserId, toUserId),
      this.store.getContactEdge(toUserId, fromUserId),
    ]);
    return mine?.state === 'accepted' && theirs?.state === 'accepted';
  }

  async audienceOf(userId: string): Promise<string[]> {
    const edges = await this.store.listContactEdges(userId);
    const accepted = edges.filter((e) => e.state === 'accepted');
    // Check the other direction too: a half-written pair must not leak presence.
    const confirmed = await Promise.all(
      accepted.map(async (e) =>
        (await this.store.getContactEdge(e.peerId, userId))?.state === 'accepted' ? e.peerId : null,
      ),
    );
    return confirmed.filter((id): id is string => id !== null);
  }
}

/** Called with the two users whose relationship may have changed. */
export type RelationshipListener = (a: string, b: string) => void;

/**
 * Announces relationship changes (contact accepted, removed, blocked) to whoever caches
 * reachability, so a revoked contact loses access at once instead of when a cache expires.
 *
 * @example
 * const feed = new RelationshipFeed();
 * const off = feed.subscribe((a, b) => cache.invalidate(a, b));
 * const contacts = createContacts({ store, clock, log, onChange: feed.publish });
 */
export class RelationshipFeed {
  private readonly listeners = new Set<RelationshipListener>();

  /** Bound, so it can be handed around as a plain callback. */
  readonly publish = (a: string, b: string): void => {
    for (const listener of this.listeners) listener(a, b);
  };

  subscribe(listener: RelationshipListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}
