// Browser-safe: takes any async iterable of bytes (a Node Readable is one) or a web ReadableStream.
import { FileHashChain } from './chunk-hash.ts';
import type { HasherFactory } from './chunk-types.ts';

/** One chunk of a stream. `final` is true exactly once, on the last chunk. */
export interface StreamChunk {
  index: number;
  bytes: Uint8Array;
  final: boolean;
}

export type ByteStream = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

/**
 * Cuts a stream of unknown length into `chunkSize` chunks (the last may be shorter; an empty stream
 * is one empty chunk), marking the final one so the AEAD final flag can be set.
 *
 * Limits, by nature of a stream:
 * - **No resume.** A stream cannot be rewound or sought; if the transfer breaks, it restarts from 0
 *   with a fresh transfer id, or the caller buffers the stream to a file and sends that instead.
 * - **Size and digest are known only at the end** ({@link StreamChunker.size}, {@link StreamChunker.digest}),
 *   so the manifest marks the size unknown and the digest travels after the final chunk.
 *
 * Memory: at most two chunks (one held back to learn whether it is the last).
 *
 * @example
 * const chunker = new StreamChunker(process.stdin, 64 * 1024, blake2b);
 * for await (const c of chunker.chunks()) await send(c.index, c.bytes, c.final);
 * sendTrailer(chunker.size, chunker.digest);
 */
export class StreamChunker {
  readonly #input: ByteStream;
  readonly #chunkSize: number;
  readonly #hash: FileHashChain | undefined;
  #size: number | undefined;
  #digest: Uint8Array | undefined;
  #started = false;

  constructor(input: ByteStream, chunkSize: number, hasher?: HasherFactory) {
    if (!Number.isSafeInteger(chunkSize) || chunkSize <= 0)
      throw new RangeError('chunkSize must be a positive integer');
    this.#input = input;
    this.#chunkSize = chunkSize;
    this.#hash = hasher === undefined ? undefined : new FileHashChain(hasher);
  }

  /** Total bytes, once {@link chunks} has finished; undefined before. */
  get size(): number | undefined {
    return this.#size;
  }

  /** Whole-file digest (same definition as for files), once finished and if a hasher was given. */
  get digest(): Uint8Array | undefined {
    return this.#digest;
  }

  /** The chunks, in order. Can be iterated once. */
  async *chunks(): AsyncGenerator<StreamChunk> {
    if (this.#started) throw new Error('StreamChunker can be iterated once');
    this.#started = true;
    let index = 0;
    let total = 0;
    let cur = new Uint8Array(this.#chunkSize);
    let fill = 0;
    let held: Uint8Array | undefined; // a full chunk whose successor has not been seen yet
    const emit = (bytes: Uint8Array, final: boolean): StreamChunk => {
      this.#hash?.push(bytes);
      total += bytes.length;
      return { index: index++, bytes, final };
    };

    for await (const piece of iterate(this.#input)) {
      if (!(piece instanceof Uint8Array)) throw new TypeError('stream must yield bytes (no string encoding)');
      let at = 0;
      while (at < piece.length) {
        const n = Math.min(piece.length - at, this.#chunkSize - fill);
        cur.set(piece.subarray(at, at + n), fill);
        fill += n;
        at += n;
        if (fill === this.#chunkSize) {
          if (held !== undefined) yield emit(held, false);
          held = cur;
          cur = new Uint8Array(this.#chunkSize);
          fill = 0;
        }
      }
    }
    if (fill > 0) {
      if (held !== undefined) yield emit(held, false);
      yield emit(cur.subarray(0, fill), true);
    } else {
      yield emit(held ?? new Uint8Array(0), true);
    }
    this.#size = total;
    this.#digest = this.#hash?.digest();
  }
}

async function* iterate(input: ByteStream): AsyncGenerator<Uint8Array> {
  if (!isWebStream(input)) {
    yield* input;
    return;
  }
  const reader = input.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

function isWebStream(input: ByteStream): input is ReadableStream<Uint8Array> {
  return typeof (input as { getReader?: unknown }).getReader === 'function';
}
