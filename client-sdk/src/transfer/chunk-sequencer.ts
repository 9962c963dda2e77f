// Receiver-side order check. The AEAD proves each chunk is authentic at its index; this proves the
// *sequence* is complete: nothing dropped, repeated or reordered, and nothing missing at the end.
import { HypersendError } from '../errors.ts';

/**
 * Tracks the next expected chunk of one transfer. Data channels and relay range reads both
 * deliver in order, so anything but the next index is an error, not something to buffer.
 *
 * @example
 * const seq = new ChunkSequencer(manifest.chunkCount, persisted.next);
 * const isFinal = seq.accept(frame.index); // before decrypting
 * write(openChunkFrame(ctx, frame, manifest.chunkCount));
 * seq.commit(); // after the plaintext is stored
 * send(encodeFrame({ type: 'ack', next: seq.next }));
 */
export class ChunkSequencer {
  readonly chunkCount: number;
  #next: number;
  #pending = false;

  /**
   * @param chunkCount from the manifest.
   * @param next first index still needed (0, or the persisted ack value on resume).
   */
  constructor(chunkCount: number, next = 0) {
    if (!Number.isSafeInteger(chunkCount) || chunkCount < 1)
      throw HypersendError.invalidArgument('bad chunk count');
    if (!Number.isSafeInteger(next) || next < 0 || next > chunkCount)
      throw HypersendError.invalidArgument('bad start');
    this.chunkCount = chunkCount;
    this.#next = next;
  }

  /** Next index expected; also the cumulative ACK value (chunks 0..next-1 are stored). */
  get next(): number {
    return this.#next;
  }

  /** True once the final chunk has been committed. */
  get complete(): boolean {
    return this.#next === this.chunkCount;
  }

  /**
   * Check that `index` is the chunk expected now; returns whether it is the final one (the flag
   * to decrypt with).
   *
   * @throws HypersendError `duplicate_chunk` (already accepted), `out_of_order` (a gap: chunks
   * dropped or reordered) or `bad_chunk` (past the end, or previous chunk not committed).
   */
  accept(index: number): boolean {
    if (this.#pending) throw new HypersendError('bad_chunk', 'previous chunk not committed');
    if (index >= this.chunkCount) {
      throw new HypersendError('bad_chunk', `chunk ${index} beyond chunk count ${this.chunkCount}`, {
        details: { index },
      });
    }
    if (index < this.#next) {
      throw new HypersendError('duplicate_chunk', `chunk ${index} already received`, { details: { index } });
    }
    if (index > this.#next) {
      throw new HypersendError('out_of_order', `expected chunk ${this.#next}, got ${index}`, {
        details: { index, expected: this.#next },
      });
    }
    this.#pending = true;
    return index === this.chunkCount - 1;
  }

  /** Record the accepted chunk as decrypted and stored; advances {@link ChunkSequencer.next}. */
  commit(): void {
    if (!this.#pending) throw HypersendError.invalidArgument('nothing to commit');
    this.#pending = false;
    this.#next++;
  }

  /**
   * Call when the sender says it is finished (or the relay object ends).
   *
   * @throws HypersendError `truncated` if the final chunk has not been committed.
   */
  finish(): void {
    if (!this.complete) {
      throw new HypersendError('truncated', `stream ended at chunk ${this.#next} of ${this.chunkCount}`, {
        details: { next: this.#next, chunkCount: this.chunkCount },
      });
    }
  }
}
