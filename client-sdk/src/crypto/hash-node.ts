// Node-only: OpenSSL's BLAKE2b-512, faster than libsodium in WebAssembly; the Node backend's fallback
// where sodium-native (hash-sodium-native.ts, faster still) does not load.
import { createHash } from 'node:crypto';
import { type Hasher, spentAfterDigest } from './hash.ts';

/**
 * Incremental BLAKE2b-512 on `node:crypto`; byte-identical to `createBlake2bSodium(64)`
 * (proven by `test-vectors/blake2b.json`).
 *
 * @example
 * const hex = toHex(createBlake2b512Node().update(bytes).digest());
 */
export function createBlake2b512Node(): Hasher {
  const h = createHash('blake2b512');
  return spentAfterDigest(
    (data) => h.update(data),
    () => {
      const d = h.digest();
      return new Uint8Array(d.buffer, d.byteOffset, d.byteLength); // not a Buffer: see aead-node.ts
    },
  );
}
