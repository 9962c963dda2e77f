// Node-only: where a sender remembers its relay upload, so a restarted `send` continues it.
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../files/durable-fs.ts';
import type { RelayUploadState } from '../relay/upload-channel.ts';

const RelayRecord = z
  .object({
    v: z.literal(1),
    uploadPath: z.string().regex(/^\/v1\/uploads\/[A-Za-z0-9_-]{22}$/u),
    firstChunk: z.number().int().nonnegative(),
  })
  .strict();

const path = (stateDir: string, transferId: string) => join(stateDir, `${transferId}.relay.json`);

/**
 * Persist the upload of `transferId` (`<stateDir>/<transferId>.relay.json`, 0600, atomic) next to
 * the engine's sender record, before any byte of the object is sent.
 */
export async function saveRelayState(
  stateDir: string,
  transferId: string,
  s: RelayUploadState,
): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const bytes = new TextEncoder().encode(JSON.stringify(RelayRecord.parse({ v: 1, ...s })));
  await writeFileAtomic(path(stateDir, transferId), bytes, stateDir);
}

/** The upload a previous run began for `transferId`, if any (a malformed record counts as none). */
export async function loadRelayState(
  stateDir: string,
  transferId: string,
): Promise<RelayUploadState | undefined> {
  try {
    const r = RelayRecord.safeParse(JSON.parse(await readFile(path(stateDir, transferId), 'utf8')));
    return r.success ? { uploadPath: r.data.uploadPath, firstChunk: r.data.firstChunk } : undefined;
  } catch {
    return undefined;
  }
}

/** Forget the upload (transfer done or cancelled). */
export async function deleteRelayState(stateDir: string, transferId: string): Promise<void> {
  await rm(path(stateDir, transferId), { force: true });
}
