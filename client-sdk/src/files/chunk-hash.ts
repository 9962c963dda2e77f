// Browser-safe. The whole-file digest is a hash chain over per-chunk hashes (see client-sdk/FILES.md):
// the receiver's entire hash state is one digest, so it fits in the progress record and resume is O(1)
// instead of re-hashing a 40 GB prefix.
import type { Hasher, HasherFactory } from './chunk-types.ts';

const encoder = new TextEncoder();
// Domain tags keep a chunk hash, a chain link and a final digest from ever being confused for each other.
const TAG_INIT = encoder.encode('hypersend/file-hash/v1/init');
const TAG_LEAF = encoder.encode('hypersend/file-hash/v1/leaf');
const TAG_LINK = encoder.encode('hypersend/file-hash/v1/link');
const TAG_FINAL = encoder.encode('hypersend/file-hash/v1/final');

function u64(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

function hashOf(factory: HasherFactory, ...parts: Uint8Array[]): Uint8Array {
  const h: Hasher = factory();
  for (const p of parts) h.update(p);
  return h.digest();
}

/** Serializable progress of a {@link FileHashChain}: enough to continue after a restart. */
export interface FileHashState {
  /** Chunks hashed so far. */
  chunks: number;
  /** Bytes hashed so far. */
  bytes: number;
  /** Current chain value. */
  chain: Uint8Array;
}

/**
 * Whole-file digest, computed chunk by chunk in order:
 *
 *     leaf_i  = H(LEAF  || u64(i) || u64(len_i) || chunk_i)
 *     chain_0 = H(INIT),  chain_{i+1} = H(LINK || chain_i || leaf_i)
 *     digest  = H(FINAL || chain_n || u64(n) || u64(totalBytes))
 *
 * `H` is the injected hasher (BLAKE2b). Sender and receiver compute the same value; the receiver
 * stores `state` in its progress record and restores it with {@link FileHashChain.resume}.
 *
 * @example
 * const chain = new FileHashChain(blake2b);
 * for (const c of chunks) chain.push(c);
 * const digest = chain.digest();
 */
export class FileHashChain {
  readonly #factory: HasherFactory;
  #chunks: number;
  #bytes: number;
  #chain: Uint8Array;

  constructor(factory: HasherFactory) {
    this.#factory = factory;
    this.#chunks = 0;
    this.#bytes = 0;
    this.#chain = hashOf(factory, TAG_INIT);
  }

  /** Continues from a saved state (after a crash or restart). */
  static resume(factory: HasherFactory, state: FileHashState): FileHashChain {
    const c = new FileHashChain(factory);
    c.#chunks = state.chunks;
    c.#bytes = state.bytes;
    c.#chain = Uint8Array.from(state.chain);
    return c;
  }

  /** Adds the next chunk (chunks must be pushed in order, each exactly once). */
  push(chunk: Uint8Array): void {
    const leaf = hashOf(this.#factory, TAG_LEAF, u64(this.#chunks), u64(chunk.length), chunk);
    this.#chain = hashOf(this.#factory, TAG_LINK, this.#chain, leaf);
    this.#chunks += 1;
    this.#bytes += chunk.length;
  }

  /** A copy of the current state, safe to persist. */
  get state(): FileHashState {
    return { chunks: this.#chunks, bytes: this.#bytes, chain: Uint8Array.from(this.#chain) };
  }

  /** The whole-file digest over everything pushed so far. Does not end the chain. */
  digest(): Uint8Array {
    return hashOf(this.#factory, TAG_FINAL, this.#chain, u64(this.#chunks), u64(this.#bytes));
  }
}

/** Byte equality for digests (digests are public values, so timing does not matter). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
