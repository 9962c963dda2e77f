/** Map of event name → listener signature. */
export type EventMap = { [event: string]: (...args: never[]) => void };

/**
 * Minimal typed event emitter that runs unchanged in Node and browsers (no `node:events`).
 * A throwing listener does not break the emitter's caller: the exception is rethrown on a
 * microtask, where it surfaces as an uncaught error instead of corrupting session state.
 *
 * @example
 * class Thing extends TypedEmitter<{ tick: (n: number) => void }> {}
 * const off = new Thing().on('tick', (n) => console.log(n));
 * off();
 */
export class TypedEmitter<E extends EventMap> {
  private readonly listeners = new Map<keyof E, Set<E[keyof E]>>();

  /** Subscribe; returns the matching unsubscribe function. */
  on<K extends keyof E>(event: K, listener: E[K]): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => this.off(event, listener);
  }

  /** Subscribe for the next emission only. */
  once<K extends keyof E>(event: K, listener: E[K]): () => void {
    const wrapped = ((...args: Parameters<E[K]>) => {
      off();
      listener(...args);
    }) as E[K];
    const off = this.on(event, wrapped);
    return off;
  }

  /** Unsubscribe a listener added with `on`. */
  off<K extends keyof E>(event: K, listener: E[K]): void {
    this.listeners.get(event)?.delete(listener);
  }

  /** Number of listeners for `event`; lets callers tell whether an error would go unheard. */
  listenerCount(event: keyof E): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  protected emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (...a: Parameters<E[K]>) => void)(...args);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
