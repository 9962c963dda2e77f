// Browser replacement of files/transfer-sink.ts (package.json "browser" map): streams each file
// of a manifest into a receive target (picked folder, OPFS, or capped memory; receive-targets.ts),
// verifying its whole-file hash before it gets its final name. Picked folders and OPFS keep the
// Node receiver's progress record (in IndexedDB) and resume after a reload (staged-sink.ts);
// memory cannot (memory-sink.ts).

import type { HasherFactory } from '../files/chunk-types.ts';
import { FileError } from '../files/file-error.ts';
import { sanitizeRelativePath } from '../files/safe-path.ts';
import { MemorySink } from './memory-sink.ts';
import { receiveTargets } from './receive-targets.ts';
import { StagedSink } from './staged-sink.ts';

/** One file as the (decrypted) manifest describes it. */
export interface IncomingFile {
  path: string;
  size: number;
  digest: Uint8Array;
  mtimeMs?: number;
  mode?: number;
}

/** Same options as Node's TransferSink; `rootDir` names a receive target (see `receiveTargets`). */
export interface TransferSinkOptions {
  rootDir: string;
  transferId: string;
  manifestDigest: string;
  senderDevice: string;
  chunkSize: number;
  files: readonly IncomingFile[];
  hasher: HasherFactory;
  overwrite?: boolean;
  maxInFlight?: number;
}

const TRANSFER_ID = /^[A-Za-z0-9_-]{1,64}$/u;

/** The browser's receive sink: resumable (picked folder, OPFS) or capped memory. */
export type TransferSink = MemorySink | StagedSink;

/**
 * Opens the sink the receiver engine writes into (same contract as Node's TransferSink).
 *
 * @example
 * const sink = await TransferSink.open({ rootDir: 'downloads', transferId, files, chunkSize, hasher, ... });
 * tellSender(sink.nextChunk); // 0, or where the page before a reload stopped
 */
export const TransferSink = {
  /**
   * Validate every name, resolve the target, refuse existing files (unless `overwrite`), an
   * oversize memory transfer or one the OPFS quota cannot hold, all before any byte arrives;
   * resume from a matching progress record.
   *
   * @throws FileError `bad_manifest`, `unsafe_path`, `file_exists`; HypersendError `payload_too_large`.
   */
  async open(o: TransferSinkOptions): Promise<TransferSink> {
    if (!TRANSFER_ID.test(o.transferId))
      throw new FileError('bad_manifest', 'transfer id is not a safe identifier');
    if (o.files.length === 0) throw new FileError('bad_manifest', 'manifest has no files');
    const seen = new Set<string>();
    const segments = o.files.map((f) => {
      const safe = sanitizeRelativePath(f.path);
      if (!safe.ok) throw new FileError('unsafe_path', `unsafe name (${safe.reason})`, { path: f.path });
      const key = safe.path.toLowerCase();
      if (seen.has(key)) throw new FileError('bad_manifest', 'duplicate name', { path: safe.path });
      seen.add(key);
      return safe.path.split('/');
    });
    const dir = await receiveTargets.resolve(o.rootDir);
    if (dir.kind === 'memory' || dir.root === undefined) {
      if (!o.overwrite)
        for (let i = 0; i < segments.length; i++)
          if (await dir.exists(segments[i] as string[]))
            throw FileError.fileExists((o.files[i] as IncomingFile).path);
      return MemorySink.open(o, dir, segments);
    }
    return StagedSink.open(o, dir, segments);
  },
};
