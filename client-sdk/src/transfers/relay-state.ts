// Node-only: where a sender remembers its relay upload, so a restarted `send` continues it.
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { fromBase64Url, toBase64Url } from '../encoding.ts';
import { writeFileAtomic } from '../files/durable-fs.ts';
import type { RelayUploadState } from '../relay/upload-channel.ts';

/** An upload and the header it began with (absent in records written before the fan-out). */
export interface SavedRelayUpload extends RelayUploadState {
  /**
   * The object header exactly as uploaded. Its seals are randomized, so a restarted sender must
   * continue with these bytes, not re-seal. Absent (v1 record): the header was the version-1
   * encoding of the sender's one offer envelope, which is deterministic.
   */
  header?: Uint8Array;
}

const Location = {
  uploadPath: z.string().regex(/^\/v1\/uploads\/[A-Za-z0-9_-]{22}$/u),
  firstChunk: z.number().int().nonnegative(),
};
const RelayRecord = z.discriminatedUnion('v', [
  z.object({ v: z.literal(1), ...Location }).strict(),
  z
    .object({
      v: z.literal(2),
      ...Location,
      header: z
        .string()
        .regex(/^[A-Za-z0-9_-]+$/u)
        .max(12 << 20),
    })
    .strict(),
]);

const path = (stateDir: string, transferId: string) => join(stateDir, `${transferId}.relay.json`);

/**
 * Persist the upload of `transferId` (`<stateDir>/<transferId>.relay.json`, 0600, atomic) next to
 * the engine's sender record, before any byte of the object is sent.
 */
export async function saveRelayState(
  stateDir: string,
  transferId: string,
  s: SavedRelayUpload,
): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const record =
    s.header === undefined
      ? { v: 1, uploadPath: s.uploadPath, firstChunk: s.firstChunk }
      : { v: 2, uploadPath: s.uploadPath, firstChunk: s.firstChunk, header: toBase64Url(s.header) };
  const bytes = new TextEncoder().encode(JSON.stringify(RelayRecord.parse(record)));
  await writeFileAtomic(path(stateDir, transferId), bytes, stateDir);
}

/** The upload a previous run began for `transferId`, if any (a malformed record counts as none). */
export async function loadRelayState(
  stateDir: string,
  transferId: string,
): Promise<SavedRelayUpload | undefined> {
  try {
    const r = RelayRecord.safeParse(JSON.parse(await readFile(path(stateDir, transferId), 'utf8')));
    if (!r.success) return undefined;
    const { uploadPath, firstChunk } = r.data;
    return r.data.v === 1
      ? { uploadPath, firstChunk }
      : { uploadPath, firstChunk, header: fromBase64Url(r.data.header) };
  } catch {
    return undefined;
  }
}

/** Forget the upload (transfer done or cancelled). */
export async function deleteRelayState(stateDir: string, transferId: string): Promise<void> {
  await rm(path(stateDir, transferId), { force: true });
}
