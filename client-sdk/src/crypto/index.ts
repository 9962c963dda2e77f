/**
 * `@hypersend/client/crypto`: the browser-safe encryption API (no Node imports). The per-platform
 * hot-path backend comes from `@hypersend/client/crypto-backend`.
 *
 * @example
 * import { loadCryptoBackend } from '@hypersend/client/crypto-backend';
 * import { createStream, encryptChunk } from '@hypersend/client/crypto';
 * const ctx = createStream((await loadCryptoBackend()).aead, transferKey, transferId);
 */
export * from './aead.ts';
export type * from './backend.ts';
export * from './device-secrets.ts';
export * from './device-secrets-webcrypto.ts';
export * from './hash.ts';
export * from './key-seal.ts';
export * from './keys.ts';
export * from './manifest.ts';
export * from './sodium.ts';
export * from './stream.ts';
