import type { ChatMessage } from '@hypersend/protocol';

/**
 * Hands incoming messages to `deliver` one at a time, in arrival order, and at most once per
 * `(conversation, seq)`: a per-conversation cursor drops anything at or below the last delivered
 * sequence. The server already sends each conversation in order (live frames are held back while
 * a sync runs); this is the client's half of "exactly once", covering a live frame that raced a
 * catch-up and a sync repeated after a reconnect before the delivered receipt reached the server.
 *
 * @example
 * const inbox = new OrderedInbox(async (m) => show(await decrypt(m)));
 * inbox.push(frame.message);
 * await inbox.idle();
 */
export class OrderedInbox {
  private readonly cursors = new Map<string, number>();
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly deliver: (message: ChatMessage) => Promise<void>) {}

  /** Queue one message; duplicates and stale sequence numbers are dropped when their turn comes. */
  push(message: ChatMessage): void {
    this.chain = this.chain.then(async () => {
      const cursor = this.cursors.get(message.conversation) ?? 0;
      if (message.seq <= cursor) return;
      this.cursors.set(message.conversation, message.seq);
      try {
        await this.deliver(message);
      } catch {
        // `deliver` reports its own failures; one bad message must not stall the queue.
      }
    });
  }

  /** The last sequence delivered for `conversation` (0 when none). */
  cursor(conversation: string): number {
    return this.cursors.get(conversation) ?? 0;
  }

  /** Resolves when everything pushed so far was delivered. */
  idle(): Promise<void> {
    return this.chain;
  }
}
