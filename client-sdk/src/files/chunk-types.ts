// Browser-safe contracts: no Node types, so Blob/OPFS implementations can follow later.

/**
 * Incremental hash, e.g. BLAKE2b from the crypto module. One instance hashes one message.
 *
 * @example
 * const factory: HasherFactory = () => {
 *   const h = createHash('blake2b512'); // Node-only stand-in used by the tests
 *   return { update: (b) => void h.update(b), digest: () => new Uint8Array(h.digest()) };
 * };
 */
export interface Hasher {
  update(bytes: Uint8Array): void;
  digest(): Uint8Array;
}

/** Makes a fresh {@link Hasher}. Both peers must use the same one (the crypto module's BLAKE2b). */
export type HasherFactory = () => Hasher;

/**
 * Random-access chunks of one or more files. Chunk `i` can be read without reading `0..i-1`,
 * which is what lets a restarted sender resume at the receiver's acknowledged index.
 *
 * @example
 * for (let i = resumeAt; i < source.chunkCount; i++) send(i, await source.readChunk(i, buf));
 */
export interface ChunkSource {
  readonly chunkCount: number;
  /**
   * Reads chunk `index`. With `into` (at least one chunk long) the bytes are read into it and a view
   * of it is returned, so a caller can recycle buffers; without it a new array is returned.
   */
  readChunk(index: number, into?: Uint8Array): Promise<Uint8Array>;
  close(): Promise<void>;
}

/**
 * Receiver side: takes chunks in order, makes them durable on request, and puts files into place.
 *
 * @example
 * for await (const [i, bytes] of chunks) {
 *   await sink.write(i, bytes);                 // backpressure: resolves when there is room
 *   if ((i + 1) % window === 0) ack(await sink.commitThrough(i));
 * }
 * await sink.finish();
 */
export interface ChunkSink {
  /**
   * Accepts chunk `index` (must be the next expected one; an index already accepted is ignored, so a
   * resent window is harmless). Ownership of `bytes` passes to the sink: do not reuse the array.
   * Resolves when the sink has room for another chunk, not when the bytes are on disk.
   */
  write(index: number, bytes: Uint8Array): Promise<void>;
  /**
   * Makes every accepted chunk durable (at least through `index`) and resolves with the next chunk
   * index the receiver needs: the value to acknowledge cumulatively.
   */
  commitThrough(index: number): Promise<number>;
  /** All chunks accepted: verify, install under the final names, clean up. */
  finish(): Promise<void>;
  /** Stop and remove partial data and progress; never leaves anything under a final name. */
  abort(): Promise<void>;
}
