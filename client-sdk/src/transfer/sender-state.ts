// Node-only: the sender's small resume record, so a restarted sender re-derives the same transfer.
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Id } from '@hypersend/protocol';
import { z } from 'zod';
import { HypersendError } from '../errors.ts';
import { writeFileAtomic } from '../files/durable-fs.ts';
import { OfferEnvelope } from './offer.ts';

/**
 * What a sender persists (`<stateDir>/<transferId>.json`, mode 0600, atomic write) to resume after
 * a restart: the transfer key, the offer exactly as sent (so transfer id, manifest and hence every
 * chunk nonce are the same), and where each manifest file is read from, with the size and mtime it
 * had, so a changed file is refused (`source_changed`) instead of re-sealing different bytes under
 * a used nonce. The key is stored raw, protected by the file mode and the folder (0700): the same
 * trust as the device's identity key on disk; sealing it to the device's own X25519 key would add
 * nothing on a single-user disk. The record is deleted when the transfer ends (done, cancel, fatal).
 */
export const SenderRecord = z
  .object({
    version: z.literal(1),
    transferId: Id,
    key: z.string().regex(/^[A-Za-z0-9_-]{43}$/u),
    offer: OfferEnvelope,
    chunkSize: z.number().int().positive(),
    sources: z.array(
      z
        .object({
          absolutePath: z.string(),
          path: z.string(),
          size: z.number().int().min(0),
          mtimeMs: z.number(),
        })
        .strict(),
    ),
  })
  .strict();
/** See {@link SenderRecord}. */
export type SenderRecord = z.infer<typeof SenderRecord>;

/** Path of the record for `transferId` under `stateDir`. */
export function senderRecordPath(stateDir: string, transferId: string): string {
  return join(stateDir, `${transferId}.json`);
}

/**
 * Persist durably before the offer leaves the device, so an offer never exists that this sender
 * could not resume.
 *
 * @example
 * await saveSenderRecord(dir, record);
 */
export async function saveSenderRecord(stateDir: string, record: SenderRecord): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const bytes = new TextEncoder().encode(JSON.stringify(SenderRecord.parse(record)));
  await writeFileAtomic(senderRecordPath(stateDir, record.transferId), bytes, stateDir);
}

/**
 * Read and validate a record.
 *
 * @throws HypersendError `bad_manifest` when missing or malformed.
 */
export async function loadSenderRecord(file: string): Promise<SenderRecord> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw HypersendError.badManifest(`no readable sender record at ${file}`, cause);
  }
  const r = SenderRecord.safeParse(json);
  if (!r.success) throw HypersendError.badManifest('malformed sender record', r.error);
  return r.data;
}

/** Remove a record (transfer finished for good). */
export async function deleteSenderRecord(stateDir: string, transferId: string): Promise<void> {
  await rm(senderRecordPath(stateDir, transferId), { force: true });
}
