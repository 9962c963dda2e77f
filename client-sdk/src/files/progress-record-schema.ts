// Browser-safe: the receiver's progress record as data (schema, identity check, hex encoding).
// Node keeps it in `progress.json` beside the `.part` files (progress-record.ts); a browser keeps
// the same record in IndexedDB (browser/progress-store.ts). One definition for both.
import { z } from 'zod';

const Hex = z.string().regex(/^(?:[0-9a-f]{2}){1,128}$/u);
const Count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/**
 * The record. Node stores it (JSON) in `<root>/.hypersend/<transferId>/progress.json`.
 *
 * Invariant: every chunk below `nextChunk` is durable — either installed under its final name or
 * fsynced in the current file's `.part` — and `hash` is the whole-file hash chain state of the file
 * that contains `nextChunk`, covering exactly its chunks below `nextChunk`.
 */
export const ProgressRecord = z.object({
  version: z.literal(1),
  transferId: z.string().min(1).max(128),
  manifestDigest: z.string().min(1).max(256),
  senderDevice: z.string().min(1).max(128),
  chunkSize: Count.min(1),
  chunkCount: Count,
  nextChunk: Count,
  hash: z.object({ chunks: Count, bytes: Count, chain: Hex }),
  /**
   * Set between "file verified" and "file installed": on restart the install step is redone
   * (idempotently) for this file before anything else.
   */
  installing: Count.optional(),
});
export type ProgressRecord = z.infer<typeof ProgressRecord>;

/** What the sender's offer says; a record is reused only if all of it matches. */
export interface ProgressIdentity {
  transferId: string;
  manifestDigest: string;
  senderDevice: string;
  chunkSize: number;
  chunkCount: number;
}

/**
 * True when the record belongs to this exact offer (same transfer, manifest, sender and chunking).
 *
 * @example
 * recordMatches(rec, { transferId, manifestDigest, senderDevice, chunkSize, chunkCount });
 */
export function recordMatches(record: ProgressRecord, offer: ProgressIdentity): boolean {
  return (
    record.transferId === offer.transferId &&
    record.manifestDigest === offer.manifestDigest &&
    record.senderDevice === offer.senderDevice &&
    record.chunkSize === offer.chunkSize &&
    record.chunkCount === offer.chunkCount &&
    record.nextChunk <= offer.chunkCount
  );
}

/** Lower-case hex, the record's encoding for the hash chain value. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Inverse of {@link toHex}. */
export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}
