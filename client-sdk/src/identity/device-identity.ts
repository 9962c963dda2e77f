import { z } from 'zod';
import { bytesDeviceSecrets, type DeviceSecrets, type KeyProtection } from '../crypto/device-secrets.ts';
import { generateDeviceIdentity, type DeviceIdentity as IdentityKeys, type KeyPair } from '../crypto/keys.ts';
import { loadSodium } from '../crypto/sodium.ts';
import { fromBase64Url, toBase64Url } from '../encoding.ts';
import { HypersendError } from '../errors.ts';

/**
 * This device as the SDK uses it: its id (random, 16 bytes base64url), a human name, its
 * long-term X25519 and Ed25519 public keys, and {@link DeviceSecrets} that sign and agree keys
 * without handing out the secret keys (in browsers they are non-extractable WebCrypto keys).
 * Passes as is to `publicIdentity`, `sealOffer` and `IncomingOffer.open`.
 *
 * @example
 * const me = await loadOrCreateIdentity(store, 'laptop');
 * me.deviceId; // 'q1w2e3...' (22 characters)
 * me.keyProtection; // 'non-extractable' in Chromium, 'bytes' in Node
 */
export interface DeviceIdentity {
  readonly deviceId: string;
  readonly name: string;
  readonly x25519: { readonly publicKey: Uint8Array };
  readonly ed25519: { readonly publicKey: Uint8Array };
  readonly secrets: DeviceSecrets;
  /** How the secret keys are kept (see {@link KeyProtection}). */
  readonly keyProtection: KeyProtection;
}

/**
 * A device identity with its secret keys as bytes: what {@link createDeviceIdentity} makes and
 * what the storable form ({@link StoredIdentity}) holds. Structurally a `crypto/keys.ts` identity.
 */
export interface DeviceKeyMaterial extends IdentityKeys {
  readonly deviceId: string;
  readonly name: string;
}

const Key = z.string().regex(/^[A-Za-z0-9_-]+$/);

/**
 * On-disk (or in-storage) form of a {@link DeviceIdentity}: versioned JSON with base64url keys.
 * Secret keys included, which is why the Node store keeps it in a 0600 file.
 */
export const StoredIdentity = z
  .object({
    v: z.literal(1),
    deviceId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    name: z.string().min(1).max(64),
    x25519: z.object({ publicKey: Key, secretKey: Key }).strict(),
    ed25519: z.object({ publicKey: Key, secretKey: Key }).strict(),
    createdAt: z.string(),
  })
  .strict();
/** Parsed {@link StoredIdentity}. */
export type StoredIdentity = z.infer<typeof StoredIdentity>;

/**
 * Where the device identity is kept between runs. Node: a 0600 file under the user's config
 * directory ({@link IdentityFileStore}); browsers: IndexedDB (`IndexedDbIdentityStore`); tests:
 * {@link MemoryIdentityStore}.
 *
 * @example
 * const store: IdentityStore = new MemoryIdentityStore();
 * await store.save(toStoredIdentity(await createDeviceIdentity('laptop')));
 */
export interface IdentityStore {
  load(): Promise<StoredIdentity | null>;
  save(identity: StoredIdentity): Promise<void>;
  /**
   * Optional: a store that keeps keys the SDK must never see as bytes (IndexedDB with
   * non-extractable CryptoKeys) loads, creates and migrates the identity itself.
   * {@link loadOrCreateIdentity} uses it when present.
   */
  loadOrCreateIdentity?(name: string): Promise<DeviceIdentity>;
}

/**
 * Make a new device identity with fresh keys, as bytes (for a store that saves
 * {@link StoredIdentity}). Loads libsodium if needed.
 *
 * @example
 * const fresh = await createDeviceIdentity('work laptop');
 * await store.save(toStoredIdentity(fresh));
 */
export async function createDeviceIdentity(name: string): Promise<DeviceKeyMaterial> {
  await loadSodium();
  const id = new Uint8Array(16);
  globalThis.crypto.getRandomValues(id);
  return { deviceId: toBase64Url(id), name, ...generateDeviceIdentity() };
}

/**
 * The storable form of `identity`.
 *
 * @example
 * await store.save(toStoredIdentity(me));
 */
export function toStoredIdentity(
  identity: DeviceKeyMaterial,
  createdAt = new Date().toISOString(),
): StoredIdentity {
  const pair = (k: KeyPair) => ({ publicKey: toBase64Url(k.publicKey), secretKey: toBase64Url(k.secretKey) });
  return {
    v: 1,
    deviceId: identity.deviceId,
    name: identity.name,
    x25519: pair(identity.x25519),
    ed25519: pair(identity.ed25519),
    createdAt,
  };
}

/**
 * Decode a stored identity, checking key lengths and that each public key belongs to its secret
 * key (a hand-edited or half-restored file must not yield a device that cannot decrypt).
 *
 * @example
 * const keys = fromStoredIdentity(await store.load());
 * @throws HypersendError `corrupt_store`.
 */
export function fromStoredIdentity(stored: unknown): DeviceKeyMaterial {
  const parsed = StoredIdentity.safeParse(stored);
  if (!parsed.success) throw new HypersendError('corrupt_store', 'stored identity is not valid');
  const s = parsed.data;
  try {
    const x = { publicKey: fromBase64Url(s.x25519.publicKey), secretKey: fromBase64Url(s.x25519.secretKey) };
    const e = {
      publicKey: fromBase64Url(s.ed25519.publicKey),
      secretKey: fromBase64Url(s.ed25519.secretKey),
    };
    const lengthsOk =
      x.publicKey.length === 32 &&
      x.secretKey.length === 32 &&
      e.publicKey.length === 32 &&
      e.secretKey.length === 64;
    // Ed25519 secret keys are seed ‖ public key, so the pairing check is a byte comparison.
    if (!lengthsOk || toBase64Url(e.secretKey.subarray(32)) !== s.ed25519.publicKey)
      throw new Error('key mismatch');
    return { deviceId: s.deviceId, name: s.name, x25519: x, ed25519: e };
  } catch (err) {
    throw new HypersendError('corrupt_store', 'stored identity keys are not valid', { cause: err });
  }
}

/**
 * The SDK's view of byte keys: public keys plus libsodium-backed {@link DeviceSecrets}.
 *
 * @example
 * const me = withByteSecrets(fromStoredIdentity(json));
 */
export function withByteSecrets(
  keys: DeviceKeyMaterial,
  protection: KeyProtection = 'bytes',
): DeviceIdentity {
  return {
    deviceId: keys.deviceId,
    name: keys.name,
    x25519: { publicKey: keys.x25519.publicKey },
    ed25519: { publicKey: keys.ed25519.publicKey },
    secrets: bytesDeviceSecrets(keys, protection),
    keyProtection: protection,
  };
}

/**
 * The identity kept in `store`, or a new one (saved before it is returned, so a crash cannot
 * register keys that are then lost). A store with its own `loadOrCreateIdentity` (IndexedDB)
 * decides how keys are made and kept.
 *
 * @example
 * const me = await loadOrCreateIdentity(new MemoryIdentityStore(), 'laptop');
 */
export async function loadOrCreateIdentity(store: IdentityStore, name: string): Promise<DeviceIdentity> {
  await loadSodium();
  if (store.loadOrCreateIdentity) return store.loadOrCreateIdentity(name);
  const stored = await store.load();
  if (stored !== null) return withByteSecrets(fromStoredIdentity(stored));
  const identity = await createDeviceIdentity(name);
  await store.save(toStoredIdentity(identity));
  return withByteSecrets(identity);
}

/**
 * Identity store in memory: for tests, and for browsers until a persistent store exists.
 * Shares nothing between instances; pass the same instance to simulate a restart.
 *
 * @example
 * const store = new MemoryIdentityStore();
 * const a = await loadOrCreateIdentity(store, 'x');
 * const b = await loadOrCreateIdentity(store, 'x'); // same keys
 */
export class MemoryIdentityStore implements IdentityStore {
  private value: StoredIdentity | null = null;

  async load(): Promise<StoredIdentity | null> {
    return this.value === null ? null : structuredClone(this.value);
  }

  async save(identity: StoredIdentity): Promise<void> {
    this.value = structuredClone(identity);
  }
}
