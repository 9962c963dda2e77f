/**
 * Runs tasks one at a time per key (different keys run concurrently). Used so the appends of one
 * conversation leave this node in sequence order.
 *
 * @example
 * const queue = new KeyedQueue();
 * await queue.run(conversationId, () => store.appendMessage(m));
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => {});
    this.tails.set(key, tail);
    // Forget the key once nothing is queued behind this task, so the map stays small.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
