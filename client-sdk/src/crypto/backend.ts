import type { Aead } from './aead.ts';
import type { Hasher } from './hash.ts';

/**
 * The hot-path primitives, chosen per platform: `node:crypto` in Node, libsodium elsewhere.
 * Everything else (keys, sealing, key derivation) always uses libsodium, which is loaded by the
 * time a backend is returned.
 *
 * Pick one through the package's conditional export (`node` → ./backend-node.ts, otherwise
 * ./backend-sodium.ts), or import either file directly (tests and benchmarks do both).
 *
 * @example
 * import { loadCryptoBackend } from '@hypersend/client/crypto-backend';
 * const backend = await loadCryptoBackend();
 * const ctx = createStream(backend.aead, transferKey, transferId);
 */
export interface CryptoBackend {
  readonly name: 'node' | 'sodium';
  readonly aead: Aead;
  /** Whole-file hash for manifests: incremental BLAKE2b-512. */
  createFileHasher(): Hasher;
}
