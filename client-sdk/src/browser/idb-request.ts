// Browser: one IndexedDB request in its own short transaction, on a database with a single
// object store (version 1). The identity/key stores and the receive progress store both keep
// a handful of small records, so a connection per request costs little and no handle outlives it.
import { HypersendError } from '../errors.ts';

/** Where a request runs: database name and its one object store. */
export interface IdbLocation {
  db: string;
  store: string;
}

/**
 * Run `op` in a `mode` transaction; resolves with the request's result once the transaction has
 * committed. `durability: 'strict'` waits until the write is flushed to disk (the receive
 * progress store needs that: an acknowledgement depends on it).
 *
 * @example
 * const value = await idbRequest<unknown>({ db: 'hypersend', store: 'hypersend' }, 'readonly', (s) => s.get('k'));
 * @throws HypersendError `unsupported` (no IndexedDB), `io` (open or transaction failed).
 */
export async function idbRequest<T>(
  where: IdbLocation,
  mode: IDBTransactionMode,
  op: (store: IDBObjectStore) => IDBRequest,
  options: { durability?: 'strict' } = {},
): Promise<T> {
  const db = await openDb(where);
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(where.store, mode, options);
      const req = op(tx.objectStore(where.store));
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

function openDb(where: IdbLocation): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    if (globalThis.indexedDB === undefined) {
      reject(new HypersendError('unsupported', 'IndexedDB is not available in this browser'));
      return;
    }
    const req = indexedDB.open(where.db, 1);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(where.store)) req.result.createObjectStore(where.store);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new HypersendError('io', `IndexedDB open failed: ${req.error?.message}`));
    req.onblocked = () => reject(new HypersendError('io', 'IndexedDB open blocked by another tab'));
  });
}
