// Node-only: the receiver's small durable "how far did we get" record.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from './durable-fs.ts';

const Hex = z.string().regex(/^(?:[0-9a-f]{2}){1,128}$/u);
const Count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/**
 * The record, as stored (JSON) in `<root>/.hypersend/<transferId>/progress.json`.
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

export const PROGRESS_FILE = 'progress.json';

/**
 * Reads the record in `stagingDir`. Missing, unreadable, or malformed records give `undefined`: a
 * record is only a shortcut, and the safe answer to doubt is to start the transfer over.
 *
 * @example
 * const rec = await readProgressRecord(staging);
 * const resumeAt = rec && recordMatches(rec, offer) ? rec.nextChunk : 0;
 */
export async function readProgressRecord(stagingDir: string): Promise<ProgressRecord | undefined> {
  let text: string;
  try {
    text = await readFile(join(stagingDir, PROGRESS_FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = ProgressRecord.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
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

/**
 * Writes the record atomically and durably (tmp + fsync + rename + fsync dir).
 *
 * @example
 * await writeProgressRecord(staging, { ...identity, version: 1, nextChunk, hash });
 */
export async function writeProgressRecord(stagingDir: string, record: ProgressRecord): Promise<void> {
  const bytes = new TextEncoder().encode(JSON.stringify(ProgressRecord.parse(record)));
  await writeFileAtomic(join(stagingDir, PROGRESS_FILE), bytes, stagingDir);
}

/** Removes the record (and a leftover temp file). */
export async function deleteProgressRecord(stagingDir: string): Promise<void> {
  await rm(join(stagingDir, PROGRESS_FILE), { force: true });
  await rm(join(stagingDir, `${PROGRESS_FILE}.tmp`), { force: true });
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
