// Browser: what an app sees of partial receives — is this offer a resumption (and how far did the
// page before the reload get), discarding one the sender cancelled, and sweeping stale ones.
import { layoutChunks } from '../files/chunk-layout.ts';
import { bytesBefore } from '../transfer/transfer-events.ts';
import type { IncomingTransfer } from '../transfers/incoming.ts';
import { type PartialReceive, progressStore } from './progress-store.ts';
import { existingOpfsFolder } from './receive-targets.ts';
import { SegmentStaging } from './segment-staging.ts';

/** Partials not written for this long are deleted (their transfer was never resumed). */
export const STALE_PARTIAL_MS = 7 * 24 * 60 * 60 * 1000;

/** How far an earlier page got with an offer that is being made again. */
export interface PartialReceiveInfo {
  /** The receive target it was accepted into: accept into the same one to resume. */
  dir: string;
  /** Bytes already durable (the transfer continues after them). */
  bytes: number;
  total: number;
  /** `bytes / total`, 0..1 (1 for an empty transfer). */
  fraction: number;
}

/**
 * If `offer` continues a receive that an earlier page (before a reload or crash) started, where
 * it stands. Show it ("resuming at 43%") and accept into `info.dir` without asking for a folder.
 *
 * @example
 * const info = await partialReceiveOf(offer);
 * if (info) acceptInto(offer, info.dir); // resumes at info.bytes
 */
export async function partialReceiveOf(offer: IncomingTransfer): Promise<PartialReceiveInfo | undefined> {
  if (offer.kind !== 'files' || offer.via !== 'peer') return undefined;
  const entry = await progressStore()
    .get(offer.transferId)
    .catch(() => undefined);
  if (entry === undefined) return undefined;
  const sizes = offer.files.map((f) => f.size ?? 0);
  const layout = layoutChunks(sizes, offer.chunkSize);
  const r = entry.record;
  // The sink checks the manifest digest too; here the visible identity must already agree.
  if (
    r.senderDevice !== `${offer.sender.userId}/${offer.sender.deviceId}` ||
    r.chunkSize !== offer.chunkSize ||
    r.chunkCount !== layout.chunkCount ||
    r.nextChunk > layout.chunkCount
  )
    return undefined;
  const total = sizes.reduce((n, s) => n + s, 0);
  const bytes = bytesBefore(layout, r.nextChunk);
  return { dir: entry.rootDir, bytes, total, fraction: total === 0 ? 1 : bytes / total };
}

/**
 * Delete the partial data and record of `transferId` (e.g. the sender cancelled a re-offer, or the
 * user declined it). A missing one is not an error.
 *
 * @example
 * offer.on('cancelled', () => void discardPartial(offer.transferId));
 */
export async function discardPartial(transferId: string): Promise<void> {
  const store = progressStore();
  const entry = await store.get(transferId).catch(() => undefined);
  if (entry === undefined) return;
  await removeStaged(entry);
  await store.delete(transferId);
}

/**
 * Delete partials not written for `maxAgeMs` (default 7 days). Runs whenever a resumable receive
 * is accepted; apps may also call it at startup. Returns how many were removed.
 *
 * @example
 * await sweepStalePartials(); // on app start
 */
export async function sweepStalePartials(maxAgeMs = STALE_PARTIAL_MS, now = Date.now()): Promise<number> {
  const store = progressStore();
  let removed = 0;
  for (const entry of await store.list()) {
    if (now - entry.updatedAt < maxAgeMs) continue;
    await removeStaged(entry).catch(() => undefined);
    await store.delete(entry.record.transferId);
    removed++;
  }
  return removed;
}

/**
 * OPFS staging is found again by the folder's name. A picked folder's handle is gone after a
 * reload unless the app registered it again: then its `.hypersend/<id>` stays until a resume or
 * the user deletes it (documented in BROWSER.md).
 */
async function removeStaged(entry: PartialReceive): Promise<void> {
  if (entry.kind !== 'opfs') return;
  const folder = await existingOpfsFolder(entry.rootDir);
  if (folder === undefined) return;
  const staging = await SegmentStaging.open(folder, entry.record.transferId);
  await staging.removeAll();
}
