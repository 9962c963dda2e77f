// The seam between the device's secret keys and the two operations that need them: Ed25519
// signatures (sealing a transfer key) and X25519 key agreement (opening sealed keys, chat boxes).
// Callers never touch secret bytes: in Node the implementation holds them (0600 identity file),
// in browsers they are non-extractable WebCrypto keys (./device-secrets-webcrypto.ts).
import type { DeviceIdentity as KeyPairIdentity } from './keys.ts';
import { sodiumSync } from './sodium.ts';

/**
 * How a device's secret keys are kept:
 * - `non-extractable`: WebCrypto `CryptoKey`s in IndexedDB that no script can read back;
 * - `wrapped`: bytes in IndexedDB, AES-GCM-encrypted under a non-extractable key (browsers without
 *   WebCrypto X25519/Ed25519); unwrapped into page memory while in use;
 * - `bytes`: bytes in process memory (Node: loaded from the 0600 identity file; tests).
 */
export type KeyProtection = 'non-extractable' | 'wrapped' | 'bytes';

/**
 * Uses this device's X25519 and Ed25519 secret keys without exposing them. Both implementations
 * give byte-identical results (Ed25519 is deterministic; the box key is libsodium's
 * `crypto_box_beforenm`), so peers cannot tell which one the other side runs.
 *
 * @example
 * const sig = await secrets.sign(message);              // = crypto_sign_detached(message, sk)
 * const k = await secrets.boxKey(theirX25519PublicKey);  // = crypto_box_beforenm(theirPk, sk)
 * const box = sodiumSync().crypto_box_easy_afternm(plain, nonce, k);
 * k.fill(0);
 */
export interface DeviceSecrets {
  readonly x25519PublicKey: Uint8Array;
  readonly ed25519PublicKey: Uint8Array;
  readonly protection: KeyProtection;
  /** Ed25519 signature (64 bytes) of `message`. */
  sign(message: Uint8Array): Promise<Uint8Array>;
  /**
   * The 32-byte XSalsa20-Poly1305 key shared with the holder of `theirX25519PublicKey`:
   * HSalsa20(X25519(sk, theirPk), zero nonce). A fresh array; wipe it after use.
   * Rejects for a low-order public key (all-zero shared secret), like libsodium.
   */
  boxKey(theirX25519PublicKey: Uint8Array): Promise<Uint8Array>;
}

/**
 * Either raw key pairs (`generateDeviceIdentity()`; tests, tools) or an identity that already
 * carries {@link DeviceSecrets} (the SDK's `DeviceIdentity`). Resolved by {@link secretsOf}.
 */
export type DeviceKeys = KeyPairIdentity | { readonly secrets: DeviceSecrets };

/**
 * The {@link DeviceSecrets} of `keys`.
 *
 * @example
 * const secrets = secretsOf(generateDeviceIdentity());
 */
export function secretsOf(keys: DeviceKeys): DeviceSecrets {
  return 'secrets' in keys ? keys.secrets : bytesDeviceSecrets(keys);
}

/**
 * libsodium's `crypto_box_beforenm` from a raw X25519 shared secret: HSalsa20 with a zero nonce
 * and the "expand 32-byte k" constant. Wipes `shared`.
 */
export function boxKeyFromSharedSecret(shared: Uint8Array): Uint8Array {
  try {
    // libsodium rejects an all-zero shared secret (low-order point); WebCrypto already did.
    if (shared.every((b) => b === 0)) throw new Error('X25519 shared secret is zero (low-order key)');
    return sodiumSync().crypto_core_hsalsa20(new Uint8Array(16), shared, null);
  } finally {
    shared.fill(0);
  }
}

/**
 * {@link DeviceSecrets} over secret key bytes, with libsodium. Needs libsodium loaded.
 *
 * @example
 * const secrets = bytesDeviceSecrets(generateDeviceIdentity());
 */
export function bytesDeviceSecrets(
  keys: KeyPairIdentity,
  protection: KeyProtection = 'bytes',
): DeviceSecrets {
  const x = keys.x25519;
  const e = keys.ed25519;
  return {
    x25519PublicKey: x.publicKey,
    ed25519PublicKey: e.publicKey,
    protection,
    async sign(message) {
      return sodiumSync().crypto_sign_detached(message, e.secretKey);
    },
    async boxKey(theirX25519PublicKey) {
      return boxKeyFromSharedSecret(sodiumSync().crypto_scalarmult(x.secretKey, theirX25519PublicKey));
    },
  };
}
