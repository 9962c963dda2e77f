/**
 * Payload type per event name. Events without a payload use `undefined`.
 *
 * @example
 * type MyEvents = { connected: { device: string }; closed: undefined };
 */
export type EventPayloads = { [event: string]: unknown };

/** Arguments of `emit` for one event: none when the payload is `undefined`. */
type EmitArgs<P> = [P] extends [undefined] ? [] : [P];

/**
 * Tiny typed event emitter that runs unchanged in Node and browsers (no `node:events`, no DOM
 * `EventTarget` quirks such as `CustomEvent` being absent in older Node). One payload per event,
 * so handlers stay `(payload) => void` and events can be forwarded without spreading arguments.
 * A throwing handler cannot break the emitter (which is usually mid-way through a state change):
 * its exception is rethrown on a microtask, where it surfaces as an uncaught error.
 *
 * @example
 * class Clock extends Emitter<{ tick: number }> { fire() { this.emit('tick', 1); } }
 * const off = new Clock().on('tick', (n) => console.log(n));
 * off();
 */
export class Emitter<E extends EventPayloads> {
  private readonly handlers = new Map<keyof E, Set<(payload: never) => void>>();

  /**
   * Subscribe; returns the matching unsubscribe function.
   *
   * @example
   * const off = client.on('signal', (s) => handle(s));
   */
  on<K extends keyof E>(event: K, handler: (payload: E[K]) => void): () => void {
    let set = this.handlers.get(event);
    if (!set) {
      set = new Set();
      this.handlers.set(event, set);
    }
    set.add(handler as (payload: never) => void);
    return () => this.off(event, handler);
  }

  /**
   * Subscribe for the next emission only.
   *
   * @example
   * emitter.once('connected', () => ready());
   */
  once<K extends keyof E>(event: K, handler: (payload: E[K]) => void): () => void {
    const off = this.on(event, (payload) => {
      off();
      handler(payload);
    });
    return off;
  }

  /**
   * Unsubscribe a handler added with `on`.
   *
   * @example
   * emitter.off('signal', handler);
   */
  off<K extends keyof E>(event: K, handler: (payload: E[K]) => void): void {
    this.handlers.get(event)?.delete(handler as (payload: never) => void);
  }

  /**
   * Resolve with the next payload of `event` (handy in tests and one-shot flows).
   *
   * @example
   * const { device } = await emitter.next('connected');
   */
  next<K extends keyof E>(event: K): Promise<E[K]> {
    return new Promise((resolve) => this.once(event, resolve));
  }

  /**
   * Number of handlers for `event`: lets callers tell whether an error would go unheard.
   *
   * @example
   * if (emitter.listenerCount('error') === 0) log.warn(...);
   */
  listenerCount(event: keyof E): number {
    return this.handlers.get(event)?.size ?? 0;
  }

  /** Call every handler of `event` with `payload`. Protected: only the owner emits. */
  protected emit<K extends keyof E>(event: K, ...args: EmitArgs<E[K]>): void {
    const set = this.handlers.get(event);
    if (!set) return;
    const payload = args[0] as never;
    for (const handler of [...set]) {
      try {
        handler(payload);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
