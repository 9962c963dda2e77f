// Browser-safe: libsodium compiled to WebAssembly. Requires `await loadSodium()` first.
import { HypersendError } from '../errors.ts';
import { AEAD_TAG_BYTES, type Aead, checkKeyNonce, checkRoom } from './aead.ts';
import { sodiumSync } from './sodium.ts';

/**
 * ChaCha20-Poly1305-IETF on libsodium (`crypto_aead_chacha20poly1305_ietf_*`). Works in browsers
 * and Node; call `await loadSodium()` before first use.
 *
 * @example
 * await loadSodium();
 * const sealed = sodiumAead.seal(key, nonce, data);
 */
export const sodiumAead: Aead = {
  name: 'sodium',
  seal(key, nonce, plaintext, aad) {
    checkKeyNonce(key, nonce);
    return sodiumSync().crypto_aead_chacha20poly1305_ietf_encrypt(plaintext, aad ?? null, null, nonce, key);
  },
  sealInto(key, nonce, plaintext, aad, out, offset) {
    checkRoom(out, offset, plaintext.length);
    // The wrapper always returns a fresh array copied out of the WASM heap; one more copy here.
    const sealed = sodiumAead.seal(key, nonce, plaintext, aad); // not `this`: callers may destructure
    out.set(sealed, offset);
    return sealed.length;
  },
  open(key, nonce, sealed, aad) {
    checkKeyNonce(key, nonce);
    if (sealed.length < AEAD_TAG_BYTES) throw HypersendError.decryptFailed({ reason: 'short' });
    try {
      return sodiumSync().crypto_aead_chacha20poly1305_ietf_decrypt(null, sealed, aad ?? null, nonce, key);
    } catch (cause) {
      if (HypersendError.is(cause)) throw cause;
      throw HypersendError.decryptFailed(undefined, cause);
    }
  },
};
