import { HypersendError } from '../errors.ts';

/** ChaCha20-Poly1305 (RFC 8439) key length in bytes. */
export const AEAD_KEY_BYTES = 32;
/** IETF nonce length in bytes. */
export const AEAD_NONCE_BYTES = 12;
/** Poly1305 tag length in bytes; every sealed message is `plaintext.length + AEAD_TAG_BYTES` long. */
export const AEAD_TAG_BYTES = 16;

/**
 * ChaCha20-Poly1305-IETF (RFC 8439): 32-byte key, 12-byte nonce, 16-byte tag appended to the
 * ciphertext. Two implementations produce identical bytes (proven by `test-vectors/aead.json`):
 * `node:crypto` in Node ({@link ./aead-node.ts}) and libsodium everywhere ({@link ./aead-sodium.ts}).
 *
 * Implementations are synchronous and stateless, so one instance can serve many transfers.
 *
 * @example
 * const sealed = aead.seal(key, nonce, plaintext);
 * const back = aead.open(key, nonce, sealed); // throws HypersendError 'decrypt_failed' if tampered
 */
export interface Aead {
  /** Short implementation name for logs and benchmarks: `'node'` or `'sodium'`. */
  readonly name: string;
  /** Encrypt and authenticate; returns `ciphertext ‖ tag` in a new array. */
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array;
  /**
   * Like {@link Aead.seal} but writes `ciphertext ‖ tag` into `out` at `offset` and returns the
   * number of bytes written. Lets a caller build a whole wire frame in one allocation.
   */
  sealInto(
    key: Uint8Array,
    nonce: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array | undefined,
    out: Uint8Array,
    offset: number,
  ): number;
  /**
   * Verify and decrypt `ciphertext ‖ tag`. Never returns unauthenticated bytes.
   * @throws HypersendError `decrypt_failed`.
   */
  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array;
}

/**
 * Argument checks shared by both implementations: a wrong-length key or nonce is a programming
 * error and must not reach the cipher (node:crypto and libsodium would report it differently).
 *
 * @example
 * checkKeyNonce(key, nonce);
 * @throws HypersendError `invalid_argument`.
 */
export function checkKeyNonce(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== AEAD_KEY_BYTES) throw HypersendError.invalidArgument('AEAD key must be 32 bytes');
  if (nonce.length !== AEAD_NONCE_BYTES) throw HypersendError.invalidArgument('AEAD nonce must be 12 bytes');
}

/**
 * Check that `out` has room for a sealed message at `offset`.
 *
 * @example
 * checkRoom(out, 11, plaintext.length);
 * @throws HypersendError `invalid_argument`.
 */
export function checkRoom(out: Uint8Array, offset: number, plaintextLength: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + plaintextLength + AEAD_TAG_BYTES > out.length) {
    throw HypersendError.invalidArgument('output buffer too small for sealed message');
  }
}
