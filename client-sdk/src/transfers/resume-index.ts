// Node-only: which engine sender record belongs to which (files, recipient device), so sending
// the same files to the same device after a restart re-offers the same transfer.
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../files/durable-fs.ts';
import { loadSenderRecord, senderRecordPath } from '../transfer/sender-state.ts';

const Meta = z
  .object({
    v: z.literal(1),
    transferId: z.string(),
    inputs: z.array(z.string()),
    user: z.string(),
    device: z.string(),
  })
  .strict();
type Meta = z.infer<typeof Meta>;

const SUFFIX = '.meta.json';

/** Canonical form of what the user asked to send: absolute paths, sorted. */
export function inputKey(paths: readonly string[]): string[] {
  return paths.map((p) => resolve(p)).sort();
}

/**
 * The record file of an unfinished transfer of exactly `inputs` to `device`, if its sources are
 * unchanged (same size and mtime); stale entries are removed. The engine refuses changed sources
 * too, but only once the receiver asks for a chunk: checking here starts a fresh transfer instead.
 *
 * @example
 * const rec = await findResumable(stateDir, inputKey(['a.bin']), bobId, bobPhone);
 * const tx = rec ? await TransferSender.restore(rec, { backend, stateDir }) : await TransferSender.create(...);
 */
export async function findResumable(
  stateDir: string,
  inputs: string[],
  user: string,
  device: string,
): Promise<string | undefined> {
  let names: string[];
  try {
    names = await readdir(stateDir);
  } catch {
    return undefined;
  }
  for (const name of names.filter((n) => n.endsWith(SUFFIX))) {
    const metaFile = join(stateDir, name);
    const meta = await readMeta(metaFile);
    if (!meta || meta.user !== user || meta.device !== device || meta.inputs.join('\0') !== inputs.join('\0'))
      continue;
    const recordFile = senderRecordPath(stateDir, meta.transferId);
    if (await sourcesUnchanged(recordFile)) return recordFile;
    await forgetResumable(stateDir, meta.transferId);
  }
  return undefined;
}

/** Remember that `transferId` sends `inputs` to `device` (written next to the engine's record). */
export async function rememberResumable(stateDir: string, m: Omit<Meta, 'v'>): Promise<void> {
  const bytes = new TextEncoder().encode(JSON.stringify({ v: 1, ...m }));
  await writeFileAtomic(join(stateDir, `${m.transferId}${SUFFIX}`), bytes, stateDir);
}

/** Drop the index entry and the engine record (the transfer is over for good). */
export async function forgetResumable(stateDir: string, transferId: string): Promise<void> {
  await rm(join(stateDir, `${transferId}${SUFFIX}`), { force: true });
  await rm(senderRecordPath(stateDir, transferId), { force: true });
}

async function readMeta(file: string): Promise<Meta | undefined> {
  try {
    const r = Meta.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

async function sourcesUnchanged(recordFile: string): Promise<boolean> {
  try {
    const rec = await loadSenderRecord(recordFile);
    for (const s of rec.sources) {
      const st = await stat(s.absolutePath);
      if (st.size !== s.size || st.mtimeMs !== s.mtimeMs) return false;
    }
    return true;
  } catch {
    return false;
  }
}
