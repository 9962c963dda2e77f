// Transfer-key delivery: sign-then-seal. See client-sdk/FORMAT.md §4 for the layout and rationale.
import { concatBytes, lengthPrefixed, utf8 } from '../encoding.ts';
import { HypersendError } from '../errors.ts';
import type { DeviceSecrets } from './device-secrets.ts';
import { sodiumSync } from './sodium.ts';

/** Format version inside the sealed box. */
export const KEY_SEAL_VERSION = 1;
const LABEL = utf8(`hypersend/key-seal/v${KEY_SEAL_VERSION}\0`);
const INNER_BYTES = 1 + 32 + 64;
/** Length of a sealed transfer key: X25519 ephemeral key (32) + MAC (16) + version, key, signature (97). */
export const SEALED_KEY_BYTES = 48 + INNER_BYTES;

/** One end of a transfer: account and device, both bound into the signature. */
export interface DeviceRef {
  readonly userId: string;
  readonly deviceId: string;
}

/** Inputs of {@link sealTransferKey}. */
export interface SealTransferKeyParams {
  readonly transferKey: Uint8Array;
  readonly transferId: string;
  /** `manifestDigest(encryptedManifest)`: makes the sender's signature cover the manifest too. */
  readonly manifestDigest: Uint8Array;
  /** The sending device; `secrets` signs (`secretsOf(identity)` or the SDK identity's `secrets`). */
  readonly sender: DeviceRef & { readonly secrets: DeviceSecrets };
  readonly recipient: DeviceRef & { readonly x25519PublicKey: Uint8Array };
}

/** Inputs of {@link openTransferKey}: everything the recipient expects, from its own records. */
export interface OpenTransferKeyParams {
  readonly sealed: Uint8Array;
  readonly transferId: string;
  readonly manifestDigest: Uint8Array;
  /** The sender's Ed25519 public key as recorded (and safety-number verified) by the recipient. */
  readonly sender: DeviceRef & { readonly ed25519PublicKey: Uint8Array };
  /** This device; `secrets` does the X25519 agreement that opens the seal. */
  readonly recipient: DeviceRef & { readonly secrets: DeviceSecrets };
}

function signedMessage(
  p: Pick<SealTransferKeyParams, 'transferKey' | 'transferId' | 'manifestDigest'>,
  sender: DeviceRef,
  senderEd25519: Uint8Array,
  recipient: DeviceRef,
  recipientX25519: Uint8Array,
): Uint8Array {
  return concatBytes(
    LABEL,
    lengthPrefixed(p.transferId),
    lengthPrefixed(sender.userId),
    lengthPrefixed(sender.deviceId),
    senderEd25519,
    lengthPrefixed(recipient.userId),
    lengthPrefixed(recipient.deviceId),
    recipientX25519,
    p.manifestDigest,
    p.transferKey,
  );
}

function check32(name: string, bytes: Uint8Array): void {
  if (bytes.length !== 32) throw HypersendError.invalidArgument(`${name} must be 32 bytes`);
}

/**
 * Seal a transfer key to one recipient device. The sender signs (transfer id, both parties'
 * user and device ids and keys, manifest digest, transfer key) with its Ed25519 key, and the key
 * plus signature go into an anonymous `crypto_box_seal` to the recipient's X25519 key. Only the
 * recipient can read it, only the sender could have signed it, and it names one transfer and one
 * device, so it cannot be replayed elsewhere. Randomised: sealing twice gives different bytes.
 *
 * @example
 * const sealed = await sealTransferKey({ transferKey, transferId, manifestDigest: manifestDigest(encManifest),
 *   sender: { userId, deviceId, secrets: me.secrets },
 *   recipient: { userId: bob, deviceId: bobPhone, x25519PublicKey: decodeKey32(dev.x25519) } });
 * @throws HypersendError `invalid_argument` for wrong-length inputs.
 */
export async function sealTransferKey(p: SealTransferKeyParams): Promise<Uint8Array> {
  const na = sodiumSync();
  check32('transferKey', p.transferKey);
  check32('manifestDigest', p.manifestDigest);
  check32('recipient X25519 key', p.recipient.x25519PublicKey);
  const msg = signedMessage(
    p,
    p.sender,
    p.sender.secrets.ed25519PublicKey,
    p.recipient,
    p.recipient.x25519PublicKey,
  );
  const sig = await p.sender.secrets.sign(msg);
  const inner = new Uint8Array(INNER_BYTES);
  inner[0] = KEY_SEAL_VERSION;
  inner.set(p.transferKey, 1);
  inner.set(sig, 33);
  const sealed = na.crypto_box_seal(inner, p.recipient.x25519PublicKey);
  inner.fill(0);
  return sealed;
}

/**
 * Open a sealed transfer key and verify that the expected sender device signed it for exactly
 * this transfer, manifest and recipient device. Returns the 32-byte transfer key.
 *
 * @example
 * const transferKey = await openTransferKey({ sealed, transferId, manifestDigest: manifestDigest(encManifest),
 *   sender: { userId: alice, deviceId: aliceLaptop, ed25519PublicKey: known.ed25519 },
 *   recipient: { userId: me, deviceId: myDevice, secrets: identity.secrets } });
 * @throws HypersendError `seal_invalid` if it does not open, has an unknown version, or the
 * signature does not verify for these parameters.
 */
export async function openTransferKey(p: OpenTransferKeyParams): Promise<Uint8Array> {
  const na = sodiumSync();
  check32('manifestDigest', p.manifestDigest);
  check32('sender Ed25519 key', p.sender.ed25519PublicKey);
  if (p.sealed.length !== SEALED_KEY_BYTES) throw HypersendError.sealInvalid('wrong length');
  const recipientPublic = p.recipient.secrets.x25519PublicKey;
  let inner: Uint8Array;
  try {
    inner = await sealOpen(p.sealed, recipientPublic, p.recipient.secrets);
  } catch (cause) {
    throw HypersendError.sealInvalid('does not open with this device key', cause);
  }
  if (inner[0] !== KEY_SEAL_VERSION) throw HypersendError.sealInvalid('unknown version');
  const transferKey = inner.slice(1, 33);
  const sig = inner.subarray(33);
  const msg = signedMessage(
    { transferKey, transferId: p.transferId, manifestDigest: p.manifestDigest },
    p.sender,
    p.sender.ed25519PublicKey,
    p.recipient,
    recipientPublic,
  );
  const ok = na.crypto_sign_verify_detached(sig, msg, p.sender.ed25519PublicKey);
  inner.fill(0);
  if (!ok) {
    transferKey.fill(0);
    throw HypersendError.sealInvalid('sender signature does not verify for this transfer and device');
  }
  return transferKey;
}

/**
 * `crypto_box_seal_open` through {@link DeviceSecrets}: the sealed box is the ephemeral public key
 * followed by `crypto_box_easy(m, nonce = BLAKE2b-192(epk ‖ recipientPk), recipientPk, esk)`, so
 * the recipient needs only the box key it shares with `epk`. Byte-compatible with libsodium.
 */
async function sealOpen(
  sealed: Uint8Array,
  recipientPublic: Uint8Array,
  secrets: DeviceSecrets,
): Promise<Uint8Array> {
  const na = sodiumSync();
  const epk = sealed.subarray(0, na.crypto_box_PUBLICKEYBYTES);
  const nonce = na.crypto_generichash(na.crypto_box_NONCEBYTES, concatBytes(epk, recipientPublic), null);
  const key = await secrets.boxKey(epk);
  try {
    return na.crypto_box_open_easy_afternm(sealed.subarray(epk.length), nonce, key);
  } finally {
    key.fill(0);
  }
}

/**
 * BLAKE2b-256 of the *encrypted* manifest, the value both sides feed into the key seal.
 * Hashing ciphertext lets the recipient check it before it holds the key.
 *
 * @example
 * const digest = manifestDigest(encryptedManifest);
 */
export function manifestDigest(encryptedManifest: Uint8Array): Uint8Array {
  return sodiumSync().crypto_generichash(32, encryptedManifest, null);
}
