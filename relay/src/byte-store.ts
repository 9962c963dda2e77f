import type { Readable } from 'node:stream';
import type { DataStore } from '@tus/utils';

/**
 * Where the relay keeps object bytes: a tus `DataStore` for uploads, plus the two operations
 * tus does not offer (a ranged read for resumable downloads, and a removal that tolerates
 * half-created objects). Implementations: `file-bytes.ts` (default) and `s3-bytes.ts`.
 */
export interface ByteStore {
  readonly kind: 'file' | 's3';
  readonly datastore: DataStore;
  /** Stream bytes `start..end` inclusive of a complete object, without buffering it. */
  readRange(id: string, start: number, end: number): Promise<Readable>;
  /** Bytes durably stored so far (the tus offset); undefined when the upload is gone. */
  durableOffset(id: string): Promise<number | undefined>;
  /** Delete the bytes and the datastore's own bookkeeping; missing pieces are not an error. */
  remove(id: string): Promise<void>;
}
