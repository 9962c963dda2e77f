import { nodeAead } from './aead-node.ts';
import type { CryptoBackend } from './backend.ts';
import { createBlake2b512Node } from './hash-node.ts';
import { loadSodium } from './sodium.ts';

/**
 * Node backend: `node:crypto` for ChaCha20-Poly1305 and BLAKE2b-512, libsodium for the rest.
 *
 * @example
 * const backend = await loadCryptoBackend(); // backend.name === 'node'
 */
export async function loadCryptoBackend(): Promise<CryptoBackend> {
  await loadSodium();
  return { name: 'node', aead: nodeAead, createFileHasher: createBlake2b512Node };
}
