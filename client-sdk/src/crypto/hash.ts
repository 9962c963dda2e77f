// Browser-safe incremental BLAKE2b on libsodium. The Node twin is ./hash-node.ts.
import { HypersendError } from '../errors.ts';
import { sodiumSync } from './sodium.ts';

/** Output length of the whole-file hash: BLAKE2b-512, the only BLAKE2b that node:crypto offers. */
export const FILE_HASH_BYTES = 64;

/**
 * Incremental hash. Feed any number of `update` calls, then `digest` once; the hasher is spent
 * afterwards (a second `digest` throws `invalid_argument`).
 *
 * @example
 * const h = backend.createFileHasher();
 * for await (const piece of file) h.update(piece);
 * const hex = toHex(h.digest());
 */
export interface Hasher {
  update(data: Uint8Array): Hasher;
  digest(): Uint8Array;
}

/**
 * Unkeyed BLAKE2b with a 32- or 64-byte output on libsodium (`crypto_generichash_*`).
 * Note BLAKE2b-256 is *not* a prefix of BLAKE2b-512: the output length is a hash parameter.
 *
 * @example
 * await loadSodium();
 * const d = createBlake2bSodium(64).update(utf8('abc')).digest();
 */
export function createBlake2bSodium(outputBytes: 32 | 64): Hasher {
  const na = sodiumSync();
  // The state lives in the WASM heap and is freed by _final; an abandoned hasher leaks ~400 bytes.
  const state = na.crypto_generichash_init(null, outputBytes);
  return spentAfterDigest(
    (data) => na.crypto_generichash_update(state, data),
    () => na.crypto_generichash_final(state, outputBytes),
  );
}

/**
 * A {@link Hasher} over an implementation's `update` and `final`, with the contract's guard:
 * after `digest` every call throws `invalid_argument`.
 *
 * @example
 * const h = createHash('blake2b512');
 * return spentAfterDigest((d) => h.update(d), () => new Uint8Array(h.digest()));
 */
export function spentAfterDigest(update: (data: Uint8Array) => void, final: () => Uint8Array): Hasher {
  let done = false;
  const hasher: Hasher = {
    update(data) {
      if (done) throw HypersendError.invalidArgument('hasher already finished');
      update(data);
      return hasher;
    },
    digest() {
      if (done) throw HypersendError.invalidArgument('hasher already finished');
      done = true;
      return final();
    },
  };
  return hasher;
}

/**
 * One-shot BLAKE2b-256, optionally keyed (a PRF): used for key derivation and digests of small
 * values where the output only needs to match other libsodium users.
 *
 * @example
 * const id = blake2b256(utf8('hello'));
 */
export function blake2b256(message: Uint8Array, key?: Uint8Array): Uint8Array {
  return sodiumSync().crypto_generichash(32, message, key ?? null);
}
