// Node-only: the receiver's small durable "how far did we get" record.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './durable-fs.ts';
import { ProgressRecord } from './progress-record-schema.ts';

// The record itself is browser-safe and shared with the browser's IndexedDB store.
export {
  fromHex,
  type ProgressIdentity,
  ProgressRecord,
  recordMatches,
  toHex,
} from './progress-record-schema.ts';

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
