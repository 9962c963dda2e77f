import { sodiumAead } from './aead-sodium.ts';
import type { CryptoBackend } from './backend.ts';
import { createBlake2bSodium } from './hash.ts';
import { loadSodium } from './sodium.ts';

/**
 * Portable backend: libsodium (WebAssembly) for everything. Used in browsers.
 *
 * @example
 * const backend = await loadCryptoBackend(); // backend.name === 'sodium'
 */
export async function loadCryptoBackend(): Promise<CryptoBackend> {
  await loadSodium();
  return { name: 'sodium', aead: sodiumAead, createFileHasher: () => createBlake2bSodium(64) };
}
