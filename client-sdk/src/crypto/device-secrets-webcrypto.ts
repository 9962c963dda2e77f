// DeviceSecrets over non-extractable WebCrypto keys: X25519 `deriveBits` and Ed25519 `sign`
// (Chromium 133+, Firefox 130+, Safari 17+, Node 20). The secret keys are generated (or imported
// once, on migration) inside the browser's key store and never exist as bytes in JS afterwards.
import { concatBytes, constantTimeEqual } from '../encoding.ts';
import { HypersendError } from '../errors.ts';
import { boxKeyFromSharedSecret, type DeviceSecrets } from './device-secrets.ts';
import type { DeviceIdentity as KeyPairIdentity } from './keys.ts';
import { sodiumSync } from './sodium.ts';

/** One non-extractable private key and its raw public key. */
export interface WebCryptoKeyPair {
  readonly publicKey: Uint8Array;
  readonly privateKey: CryptoKey;
}

/** A device's two key pairs as WebCrypto keys; structured-clonable, so IndexedDB can keep it. */
export interface WebCryptoDeviceKeys {
  readonly x25519: WebCryptoKeyPair;
  readonly ed25519: WebCryptoKeyPair;
}

const X25519 = { name: 'X25519' } as const;
const ED25519 = { name: 'Ed25519' } as const;
// PKCS#8 PrivateKeyInfo prefixes (RFC 8410): version 0, algorithm OID 1.3.101.110 (X25519) or
// 1.3.101.112 (Ed25519), then the 32-byte key in an OCTET STRING inside an OCTET STRING.
const PKCS8_X25519 = Uint8Array.of(0x30, 0x2e, 2, 1, 0, 0x30, 5, 6, 3, 0x2b, 0x65, 0x6e, 4, 0x22, 4, 0x20);
const PKCS8_ED25519 = Uint8Array.of(0x30, 0x2e, 2, 1, 0, 0x30, 5, 6, 3, 0x2b, 0x65, 0x70, 4, 0x22, 4, 0x20);
/** The X25519 base point u = 9: X25519(sk, 9) is sk's public key. */
const BASE_POINT = Uint8Array.of(9, ...new Uint8Array(31));

const subtle = (): SubtleCrypto => globalThis.crypto.subtle;
const buf = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);

let support: Promise<boolean> | undefined;

/**
 * Whether this platform can generate non-extractable X25519 and Ed25519 keys (tried once, then
 * cached). False in older browsers, where the identity falls back to wrapped bytes.
 *
 * @example
 * if (await webCryptoDeviceKeysSupported()) keys = await generateWebCryptoDeviceKeys();
 */
export function webCryptoDeviceKeysSupported(): Promise<boolean> {
  support ??= (async () => {
    try {
      await subtle().generateKey(X25519, false, ['deriveBits']);
      await subtle().generateKey(ED25519, false, ['sign', 'verify']);
      return true;
    } catch {
      return false;
    }
  })();
  return support;
}

/**
 * Fresh device keys, generated non-extractable by the platform.
 *
 * @example
 * const keys = await generateWebCryptoDeviceKeys();
 * await idbPut({ ...keys }); // CryptoKeys are structured-clonable
 * @throws HypersendError `unsupported` where WebCrypto lacks X25519 or Ed25519.
 */
export async function generateWebCryptoDeviceKeys(): Promise<WebCryptoDeviceKeys> {
  try {
    const x = (await subtle().generateKey(X25519, false, ['deriveBits'])) as CryptoKeyPair;
    const e = (await subtle().generateKey(ED25519, false, ['sign', 'verify'])) as CryptoKeyPair;
    return {
      x25519: { publicKey: await rawPublic(x.publicKey), privateKey: x.privateKey },
      ed25519: { publicKey: await rawPublic(e.publicKey), privateKey: e.privateKey },
    };
  } catch (cause) {
    throw new HypersendError('unsupported', 'WebCrypto cannot generate X25519/Ed25519 keys', { cause });
  }
}

/**
 * Import existing secret key bytes once as non-extractable keys (migration from the wrapped
 * format), and check that each imported key still matches its recorded public key, so the device
 * keeps its fingerprint. The caller wipes its copy of the bytes afterwards.
 *
 * @example
 * const keys = await importWebCryptoDeviceKeys(fromStoredIdentity(old));
 * @throws HypersendError `unsupported` (no WebCrypto X25519/Ed25519), `corrupt_store` (mismatch).
 */
export async function importWebCryptoDeviceKeys(identity: KeyPairIdentity): Promise<WebCryptoDeviceKeys> {
  const xInfo = concatBytes(PKCS8_X25519, identity.x25519.secretKey);
  // libsodium's Ed25519 secret key is seed ‖ public key; PKCS#8 carries the seed.
  const eInfo = concatBytes(PKCS8_ED25519, identity.ed25519.secretKey.subarray(0, 32));
  let keys: WebCryptoDeviceKeys;
  try {
    keys = {
      x25519: {
        publicKey: identity.x25519.publicKey,
        privateKey: await subtle().importKey('pkcs8', buf(xInfo), X25519, false, ['deriveBits']),
      },
      ed25519: {
        publicKey: identity.ed25519.publicKey,
        privateKey: await subtle().importKey('pkcs8', buf(eInfo), ED25519, false, ['sign']),
      },
    };
  } catch (cause) {
    throw new HypersendError('unsupported', 'WebCrypto cannot import X25519/Ed25519 keys', { cause });
  } finally {
    xInfo.fill(0);
    eInfo.fill(0);
  }
  await assertKeysMatch(keys);
  return keys;
}

/**
 * Prove that the private keys belong to the recorded public keys: X25519(sk, 9) must be the
 * public key, and an Ed25519 signature must verify under it.
 */
async function assertKeysMatch(keys: WebCryptoDeviceKeys): Promise<void> {
  const derived = new Uint8Array(
    await subtle().deriveBits(
      { ...X25519, public: await publicKey(BASE_POINT) },
      keys.x25519.privateKey,
      256,
    ),
  );
  const probe = new TextEncoder().encode('hypersend/key-check');
  const sig = new Uint8Array(await subtle().sign(ED25519, keys.ed25519.privateKey, probe));
  const ok =
    constantTimeEqual(derived, keys.x25519.publicKey) &&
    sodiumSync().crypto_sign_verify_detached(sig, probe, keys.ed25519.publicKey);
  if (!ok) throw new HypersendError('corrupt_store', 'stored identity keys do not match their public keys');
}

/**
 * {@link DeviceSecrets} over WebCrypto keys. Signatures equal libsodium's byte for byte (Ed25519
 * is deterministic); the box key is X25519 `deriveBits` followed by libsodium's HSalsa20, i.e.
 * `crypto_box_beforenm`. Needs libsodium loaded.
 *
 * @example
 * const secrets = webCryptoDeviceSecrets(await generateWebCryptoDeviceKeys());
 */
export function webCryptoDeviceSecrets(keys: WebCryptoDeviceKeys): DeviceSecrets {
  return {
    x25519PublicKey: keys.x25519.publicKey,
    ed25519PublicKey: keys.ed25519.publicKey,
    protection: 'non-extractable',
    async sign(message) {
      return new Uint8Array(await subtle().sign(ED25519, keys.ed25519.privateKey, buf(message)));
    },
    async boxKey(theirX25519PublicKey) {
      if (theirX25519PublicKey.length !== 32)
        throw HypersendError.invalidArgument('X25519 key must be 32 bytes');
      const shared = await subtle().deriveBits(
        { ...X25519, public: await publicKey(theirX25519PublicKey) },
        keys.x25519.privateKey,
        256,
      );
      return boxKeyFromSharedSecret(new Uint8Array(shared));
    },
  };
}

function publicKey(raw: Uint8Array): Promise<CryptoKey> {
  return subtle().importKey('raw', buf(raw), X25519, true, []);
}

async function rawPublic(key: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await subtle().exportKey('raw', key));
}
