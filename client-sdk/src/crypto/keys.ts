// Device identity keys and their human-comparable forms. Browser-safe; needs libsodium loaded.
import { concatBytes, constantTimeEqual, toBase64Url, utf8 } from '../encoding.ts';
import { HypersendError } from '../errors.ts';
import { sodiumSync } from './sodium.ts';

/** A key pair; `secretKey` is 32 bytes for X25519 and 64 (seed ‖ public key) for Ed25519. */
export interface KeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/**
 * A device's long-term identity: X25519 for key agreement (transfer keys are sealed to it) and
 * Ed25519 for signatures (sealed keys are signed with it). Two keys, not one converted key, so
 * neither use can weaken the other.
 *
 * @example
 * const me = generateDeviceIdentity();
 * registerDevice({ deviceId, name, ...publicIdentity(me) });
 */
export interface DeviceIdentity {
  readonly x25519: KeyPair;
  readonly ed25519: KeyPair;
}

/** The public half of a device identity, as raw bytes. */
export interface PublicIdentity {
  readonly x25519: Uint8Array;
  readonly ed25519: Uint8Array;
}

/**
 * Generate a device identity. With a 32-byte `seed` the result is deterministic (test vectors,
 * backups); the two key seeds are derived from it with domain-separated BLAKE2b so they are
 * independent.
 *
 * @example
 * const me = generateDeviceIdentity();
 * @throws HypersendError `invalid_argument` for a seed that is not 32 bytes.
 */
export function generateDeviceIdentity(seed?: Uint8Array): DeviceIdentity {
  const na = sodiumSync();
  if (seed !== undefined && seed.length !== 32) throw HypersendError.invalidArgument('seed must be 32 bytes');
  const root = seed ?? na.randombytes_buf(32);
  const x = na.crypto_box_seed_keypair(na.crypto_generichash(32, utf8('hypersend/device/x25519'), root));
  const e = na.crypto_sign_seed_keypair(na.crypto_generichash(32, utf8('hypersend/device/ed25519'), root));
  return {
    x25519: { publicKey: x.publicKey, secretKey: x.privateKey },
    ed25519: { publicKey: e.publicKey, secretKey: e.privateKey },
  };
}

/**
 * The public keys as base64url (43 characters each), ready for `DeviceRegistration`.
 *
 * @example
 * publicIdentity(me); // { x25519: 'q83v...', ed25519: 'Zm9v...' }
 */
export function publicIdentity(
  identity:
    | {
        readonly x25519: { readonly publicKey: Uint8Array };
        readonly ed25519: { readonly publicKey: Uint8Array };
      }
    | PublicIdentity,
): {
  x25519: string;
  ed25519: string;
} {
  const x = 'publicKey' in identity.x25519 ? identity.x25519.publicKey : identity.x25519;
  const e = 'publicKey' in identity.ed25519 ? identity.ed25519.publicKey : identity.ed25519;
  return { x25519: toBase64Url(x), ed25519: toBase64Url(e) };
}

/**
 * Refuse a device whose keys differ from the ones recorded earlier (trust on first use). A key
 * change must be shown to the user and re-verified, never accepted silently.
 *
 * @example
 * assertSameIdentity(stored, fetched, 'u_bob/d_laptop');
 * @throws HypersendError `key_changed`.
 */
export function assertSameIdentity(known: PublicIdentity, presented: PublicIdentity, who: string): void {
  const same =
    constantTimeEqual(known.x25519, presented.x25519) && constantTimeEqual(known.ed25519, presented.ed25519);
  if (!same) throw HypersendError.keyChanged(who);
}

/** Iterations of the fingerprint hash; Signal's number, which makes collision search ~2^12 dearer. */
export const FINGERPRINT_ITERATIONS = 5200;
const FINGERPRINT_VERSION = new Uint8Array([0, 1]);

/**
 * 30-digit fingerprint of one party's identity keys, bound to its stable id (e.g. user id):
 * `h = BLAKE2b-512(0x0001 ‖ ed25519 ‖ x25519 ‖ utf8(stableId))`, then 5200 times
 * `h = BLAKE2b-512(h ‖ ed25519 ‖ x25519)`; the first 30 bytes become six 5-digit groups
 * (each 5-byte big-endian number mod 100000), as in Signal's numeric fingerprints.
 *
 * @example
 * fingerprint(bobKeys, 'u_bob'); // '123450987611111...' (30 digits)
 * @throws HypersendError `invalid_argument` unless both keys are 32-byte Uint8Arrays (base64url
 * strings would otherwise turn into zeros, giving every device the same fingerprint).
 */
export function fingerprint(keys: PublicIdentity, stableId = ''): string {
  const na = sodiumSync();
  const is32 = (k: unknown) => k instanceof Uint8Array && k.length === 32;
  if (!is32(keys.x25519) || !is32(keys.ed25519))
    throw HypersendError.invalidArgument('fingerprint needs the raw 32-byte public keys');
  const keyBytes = concatBytes(keys.ed25519, keys.x25519);
  let h = na.crypto_generichash(64, concatBytes(FINGERPRINT_VERSION, keyBytes, utf8(stableId)), null);
  const buf = new Uint8Array(64 + keyBytes.length);
  buf.set(keyBytes, 64);
  for (let i = 0; i < FINGERPRINT_ITERATIONS; i++) {
    buf.set(h, 0);
    h = na.crypto_generichash(64, buf, null);
  }
  let digits = '';
  for (let g = 0; g < 6; g++) {
    let n = 0;
    // 5 bytes = 40 bits: exact in a double, so plain arithmetic (no BigInt) is fine.
    for (let b = 0; b < 5; b++) n = n * 256 + h[g * 5 + b]!;
    digits += String(n % 100000).padStart(5, '0');
  }
  return digits;
}

/**
 * The 60-digit safety number two parties compare out of band (read aloud, QR code). Both sides
 * compute the same string: the two fingerprints are sorted before concatenation. Formatted as
 * twelve groups of five digits separated by spaces.
 *
 * @example
 * safetyNumber({ keys: myKeys, id: 'u_alice' }, { keys: bobKeys, id: 'u_bob' });
 * // '12345 67890 ... 24680' (12 groups)
 */
export function safetyNumber(
  mine: { keys: PublicIdentity; id?: string },
  theirs: { keys: PublicIdentity; id?: string },
): string {
  const a = fingerprint(mine.keys, mine.id);
  const b = fingerprint(theirs.keys, theirs.id);
  const joined = a < b ? a + b : b + a;
  return joined.match(/\d{5}/g)!.join(' ');
}
