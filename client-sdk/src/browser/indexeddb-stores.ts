// Browser persistence of this device's identity and of pinned contact keys, in IndexedDB.
//
// Key protection: Chromium can make X25519/Ed25519 CryptoKeys non-extractable, but every SDK
// operation on them (sealing transfer keys, signing, safety numbers) runs in libsodium, which
// needs the raw secret keys. So the secrets are stored AES-GCM-encrypted under a 256-bit
// *non-extractable* wrapping CryptoKey that itself lives in IndexedDB: the raw key bytes never
// sit in storage in the clear and the wrapping key cannot be exported by script, but script on
// this origin can still ask the browser to unwrap (as it could ask libsodium to sign). Moving
// signing and key agreement onto non-extractable WebCrypto keys is the next step (not done).
import { type KeyStore, PinnedKeys } from '../contacts/key-store.ts';
import { HypersendError } from '../errors.ts';
import { type IdentityStore, StoredIdentity } from '../identity/device-identity.ts';

const STORE = 'hypersend';
const WRAP_KEY = 'wrap-key';

/** Options of the IndexedDB stores. */
export interface IndexedDbStoreOptions {
  /** Database name: one per profile. Default `hypersend-default`. */
  database?: string;
}

/**
 * The device identity in IndexedDB, secrets encrypted under a non-extractable key (see above).
 *
 * @example
 * const client = createClient({ serverUrl, identityStore: new IndexedDbIdentityStore({ database: 'hypersend-alice' }) });
 */
export class IndexedDbIdentityStore implements IdentityStore {
  readonly #db: string;
  constructor(o: IndexedDbStoreOptions = {}) {
    this.#db = o.database ?? 'hypersend-default';
  }

  async load(): Promise<StoredIdentity | null> {
    const record = await idb<unknown>(this.#db, 'readonly', (s) => s.get('identity'));
    if (record === undefined) return null;
    const { iv, ciphertext } = record as { iv: Uint8Array<ArrayBuffer>; ciphertext: ArrayBuffer };
    const key = await wrappingKey(this.#db);
    let plain: ArrayBuffer;
    try {
      plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, key, ciphertext);
    } catch (cause) {
      throw new HypersendError('decrypt_failed', 'stored identity does not decrypt', { cause });
    }
    const parsed = StoredIdentity.safeParse(JSON.parse(new TextDecoder().decode(plain)));
    if (!parsed.success) throw new HypersendError('bad_key', 'stored identity is malformed');
    return parsed.data;
  }

  async save(identity: StoredIdentity): Promise<void> {
    const key = await wrappingKey(this.#db);
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const plain = new TextEncoder().encode(JSON.stringify(identity));
    const ciphertext = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, plain);
    plain.fill(0);
    await idb(this.#db, 'readwrite', (s) => s.put({ iv, ciphertext }, 'identity'));
  }
}

/**
 * Pinned contact keys (public keys only) in IndexedDB.
 *
 * @example
 * createClient({ serverUrl, keyStore: new IndexedDbKeyStore({ database: 'hypersend-alice' }) });
 */
export class IndexedDbKeyStore implements KeyStore {
  readonly #db: string;
  constructor(o: IndexedDbStoreOptions = {}) {
    this.#db = o.database ?? 'hypersend-default';
  }

  async load(): Promise<PinnedKeys | null> {
    const value = await idb<unknown>(this.#db, 'readonly', (s) => s.get('pinned-keys'));
    if (value === undefined) return null;
    const parsed = PinnedKeys.safeParse(value);
    if (!parsed.success) throw new HypersendError('bad_key', 'stored pinned keys are malformed');
    return parsed.data;
  }

  async save(keys: PinnedKeys): Promise<void> {
    await idb(this.#db, 'readwrite', (s) => s.put(structuredClone(keys), 'pinned-keys'));
  }
}

/** The database's AES-GCM wrapping key, created non-extractable on first use. */
async function wrappingKey(db: string): Promise<CryptoKey> {
  const existing = await idb<CryptoKey | undefined>(db, 'readonly', (s) => s.get(WRAP_KEY));
  if (existing) return existing;
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
    'encrypt',
    'decrypt',
  ]);
  // `add`, not `put`: two tabs racing to create the key keep the first one.
  await idb(db, 'readwrite', (s) => s.add(key, WRAP_KEY)).catch(() => undefined);
  const stored = await idb<CryptoKey | undefined>(db, 'readonly', (s) => s.get(WRAP_KEY));
  if (!stored) throw new HypersendError('io', 'IndexedDB did not keep the wrapping key');
  return stored;
}

function openDb(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    if (typeof indexedDB === 'undefined') {
      reject(new HypersendError('unsupported', 'IndexedDB is not available'));
      return;
    }
    const req = indexedDB.open(name, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new HypersendError('io', `IndexedDB open failed: ${req.error?.message}`));
  });
}

/** One request in its own transaction; resolves when the transaction has committed. */
async function idb<T>(
  name: string,
  mode: IDBTransactionMode,
  op: (store: IDBObjectStore) => IDBRequest,
): Promise<T> {
  const db = await openDb(name);
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = op(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result as T);
      tx.onabort = tx.onerror = () =>
        reject(
          new HypersendError('io', `IndexedDB ${mode} failed: ${tx.error?.message ?? req.error?.message}`),
        );
    });
  } finally {
    db.close();
  }
}
