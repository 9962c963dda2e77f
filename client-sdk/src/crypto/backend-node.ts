import { nodeAead } from './aead-node.ts';
import type { CryptoBackend } from './backend.ts';
import { createBlake2b512Node } from './hash-node.ts';
import { nativeBlake2b512 } from './hash-sodium-native.ts';
import { loadSodium } from './sodium.ts';

/**
 * Node backend: `node:crypto` for ChaCha20-Poly1305, sodium-native for the BLAKE2b-512 file hash
 * (`node:crypto`'s where sodium-native does not load), libsodium-wrappers for the rest.
 *
 * @example
 * const backend = await loadCryptoBackend(); // backend.name === 'node'
 */
export async function loadCryptoBackend(): Promise<CryptoBackend> {
  await loadSodium();
  return { name: 'node', aead: nodeAead, createFileHasher: nativeBlake2b512() ?? createBlake2b512Node };
}
