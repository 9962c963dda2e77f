// Node-only: node:crypto's ChaCha20-Poly1305 is OpenSSL's vectorised code, several times faster
// than libsodium compiled to WebAssembly. Browsers get ./aead-sodium.ts instead.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { HypersendError } from '../errors.ts';
import { AEAD_TAG_BYTES, type Aead, checkKeyNonce, checkRoom } from './aead.ts';

const ALGORITHM = 'chacha20-poly1305';
const OPTIONS = { authTagLength: AEAD_TAG_BYTES } as const;

function sealInto(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array | undefined,
  out: Uint8Array,
  offset: number,
): number {
  checkKeyNonce(key, nonce);
  checkRoom(out, offset, plaintext.length);
  const cipher = createCipheriv(ALGORITHM, key, nonce, OPTIONS);
  if (aad !== undefined && aad.length > 0) cipher.setAAD(aad, { plaintextLength: plaintext.length });
  // update() has no "into" variant, so this is the one unavoidable copy on the Node path.
  const body = cipher.update(plaintext);
  out.set(body, offset);
  let n = body.length;
  const tail = cipher.final(); // empty for a stream cipher, but part of the contract
  out.set(tail, offset + n);
  n += tail.length;
  out.set(cipher.getAuthTag(), offset + n);
  return n + AEAD_TAG_BYTES;
}

/**
 * ChaCha20-Poly1305-IETF on `node:crypto` (OpenSSL). Node only.
 *
 * @example
 * import { nodeAead } from './aead-node.ts';
 * const sealed = nodeAead.seal(key, nonce, data);
 */
export const nodeAead: Aead = {
  name: 'node',
  seal(key, nonce, plaintext, aad) {
    const out = new Uint8Array(plaintext.length + AEAD_TAG_BYTES);
    sealInto(key, nonce, plaintext, aad, out, 0);
    return out;
  },
  sealInto,
  open(key, nonce, sealed, aad) {
    checkKeyNonce(key, nonce);
    if (sealed.length < AEAD_TAG_BYTES) throw HypersendError.decryptFailed({ reason: 'short' });
    const split = sealed.length - AEAD_TAG_BYTES;
    const decipher = createDecipheriv(ALGORITHM, key, nonce, OPTIONS);
    decipher.setAuthTag(sealed.subarray(split));
    if (aad !== undefined && aad.length > 0) decipher.setAAD(aad, { plaintextLength: split });
    const plain = decipher.update(sealed.subarray(0, split));
    try {
      decipher.final(); // verifies the tag; `plain` is discarded unless this succeeds
    } catch (cause) {
      plain.fill(0);
      throw HypersendError.decryptFailed(undefined, cause);
    }
    // A plain Uint8Array view, not a Buffer: Buffer#slice shares memory where Uint8Array#slice
    // copies, and both backends must behave the same for callers.
    return new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength);
  },
};
