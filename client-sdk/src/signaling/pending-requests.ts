import type { Clock, TimerHandle } from '../api/runtime.ts';
import { HypersendError } from '../errors.ts';

interface Pending {
  resolve(value: unknown): void;
  reject(err: HypersendError): void;
  timer: TimerHandle;
}

/**
 * Requests awaiting their answer frame, keyed by request id (the server echoes it as `ref`).
 * Every entry has a deadline, so a lost answer can never leave a caller waiting forever.
 *
 * @example
 * const { id, promise } = pending.open<void>('signal', 10_000);
 * socket.send(JSON.stringify({ ...frame, id }));
 * // on {type:'ack', ref}: pending.resolve(ref, undefined)
 */
export class PendingRequests {
  private readonly entries = new Map<string, Pending>();
  private seq = 0;

  constructor(private readonly clock: Clock) {}

  /**
   * Register a request; returns its fresh id and the promise of its answer.
   *
   * @example
   * const { id, promise } = pending.open<DeviceAddress[]>('presence', 5_000);
   */
  open<T>(what: string, timeoutMs: number): { id: string; promise: Promise<T> } {
    this.seq = (this.seq + 1) % Number.MAX_SAFE_INTEGER;
    const id = `r${this.seq}`;
    const promise = new Promise<T>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.entries.delete(id);
        reject(new HypersendError('timeout', `${what}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.entries.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
    });
    return { id, promise };
  }

  /** Settle request `id` with `value`; false when no such request is pending (late or unknown ref). */
  resolve(id: string, value: unknown): boolean {
    const entry = this.take(id);
    entry?.resolve(value);
    return entry !== undefined;
  }

  /** Fail request `id`; false when no such request is pending. */
  reject(id: string, err: HypersendError): boolean {
    const entry = this.take(id);
    entry?.reject(err);
    return entry !== undefined;
  }

  /** Fail every pending request (the socket closed: no answer can arrive any more). */
  rejectAll(err: () => HypersendError): void {
    const all = [...this.entries.keys()];
    for (const id of all) this.reject(id, err());
  }

  private take(id: string): Pending | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    this.entries.delete(id);
    this.clock.clearTimeout(entry.timer);
    return entry;
  }
}
