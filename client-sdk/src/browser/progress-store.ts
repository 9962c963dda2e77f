// Browser: the receiver's durable progress record (the same ProgressRecord the Node receiver keeps
// in `progress.json`, files/progress-record-schema.ts) in IndexedDB, plus where its partial data
// sits in OPFS. Written once per durable acknowledgement, with `durability: 'strict'`.
import { z } from 'zod';
import { ProgressRecord } from '../files/progress-record-schema.ts';
import { idbRequest } from './idb-request.ts';

const Count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/**
 * One closed (durable) segment of the current file's partial data: `chunks` chunks starting at
 * local chunk `start`, `bytes` long. A browser cannot make a growing file durable without
 * closing it (`createWritable` stages into a swap file until `close`), so the partial data of a
 * file is a run of segment files, each closed at an acknowledgement (segment-staging.ts).
 */
export const PartSegment = z.object({ start: Count, chunks: Count.min(1), bytes: Count });
export type PartSegment = z.infer<typeof PartSegment>;

/** What the store keeps per transfer. */
export const PartialReceive = z.object({
  v: z.literal(1),
  /** The receive target's name (`accept({ dir })`): resuming uses it again. */
  rootDir: z.string().min(1).max(4096),
  /** Where the target lives; a picked folder's handle does not survive a reload. */
  kind: z.enum(['opfs', 'picked']),
  /** Last write, ms since the epoch: partials untouched for long are swept (see cleanStalePartials). */
  updatedAt: Count,
  record: ProgressRecord,
  /** Durable segments of the file that contains `record.nextChunk`, in order from local chunk 0. */
  segments: z.array(PartSegment).max(1_000_000),
});
export type PartialReceive = z.infer<typeof PartialReceive>;

/**
 * Where partial receives are recorded. The seam lets tests and other storage stand in; the
 * browser default is {@link IndexedDbProgressStore}.
 */
export interface ProgressStore {
  get(transferId: string): Promise<PartialReceive | undefined>;
  /** Durable when it resolves (as durable as the store can make it). */
  put(entry: PartialReceive): Promise<void>;
  delete(transferId: string): Promise<void>;
  list(): Promise<PartialReceive[]>;
}

const DEFAULT_DATABASE = 'hypersend-transfers';
const STORE = 'progress';

/**
 * Progress records in IndexedDB, database `hypersend-transfers`, object store `progress`, keyed by
 * transfer id (random, and sealed to one device, so ids from different profiles never collide).
 * Every entry is schema-checked on read; a malformed one reads as absent (start over).
 *
 * @example
 * const store = new IndexedDbProgressStore();
 * await store.put({ v: 1, rootDir: 'inbox', kind: 'opfs', updatedAt: Date.now(), record, segments: [] });
 * (await store.get(record.transferId))?.record.nextChunk;
 */
export class IndexedDbProgressStore implements ProgressStore {
  readonly #db: string;
  constructor(o: { database?: string } = {}) {
    this.#db = o.database ?? DEFAULT_DATABASE;
  }

  async get(transferId: string): Promise<PartialReceive | undefined> {
    const raw = await this.#run<unknown>('readonly', (s) => s.get(transferId));
    const parsed = PartialReceive.safeParse(raw);
    return parsed.success && parsed.data.record.transferId === transferId ? parsed.data : undefined;
  }

  async put(entry: PartialReceive): Promise<void> {
    const valid = PartialReceive.parse(entry);
    await this.#run('readwrite', (s) => s.put(valid, valid.record.transferId));
  }

  async delete(transferId: string): Promise<void> {
    await this.#run('readwrite', (s) => s.delete(transferId));
  }

  async list(): Promise<PartialReceive[]> {
    const all = await this.#run<unknown[]>('readonly', (s) => s.getAll());
    return all.flatMap((raw) => {
      const parsed = PartialReceive.safeParse(raw);
      return parsed.success ? [parsed.data] : [];
    });
  }

  #run<T>(mode: IDBTransactionMode, op: (s: IDBObjectStore) => IDBRequest): Promise<T> {
    // 'strict': the write is flushed to disk before `complete` (the acknowledgement depends on it).
    return idbRequest<T>({ db: this.#db, store: STORE }, mode, op, { durability: 'strict' });
  }
}

/** The store the browser transfer sink uses unless one is set (tests swap it). */
let defaultStore: ProgressStore = new IndexedDbProgressStore();

/** The progress store browser receives record into. */
export function progressStore(): ProgressStore {
  return defaultStore;
}

/**
 * Replace the progress store (e.g. an in-memory one in tests, or another database name).
 *
 * @example
 * useProgressStore(new IndexedDbProgressStore({ database: 'hypersend-transfers-alice' }));
 */
export function useProgressStore(store: ProgressStore): void {
  defaultStore = store;
}
