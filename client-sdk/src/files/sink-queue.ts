// Node and browsers: the one-at-a-time discipline every receive sink follows. Writes, commits and
// the final install of a sink touch the same files and record, so they run strictly in order;
// once the sink is closed (finished, stopped or aborted) anything still asked of it is refused.
import { FileError } from './file-error.ts';

/**
 * @example
 * readonly #ops = new SinkQueue('transfer sink is closed');
 * write(i, bytes) { return this.#ops.run(() => this.#write(i, bytes)); }
 * async abort() { await this.#ops.drain(); await this.#removeAll(); }
 */
export class SinkQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(private readonly closedMessage: string) {}

  /** Run `fn` after everything queued before it; rejects with FileError `closed` once closed. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(() => {
      if (this.#closed) throw new FileError('closed', this.closedMessage);
      return fn();
    });
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** Refuse what is queued after this (callable from inside a queued operation). */
  markClosed(): void {
    this.#closed = true;
  }

  /** Refuse anything further and wait until what is already running has settled. */
  async drain(): Promise<void> {
    this.#closed = true;
    await this.#tail;
  }
}
