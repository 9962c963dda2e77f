// Node-only: the receiver's ChunkSink for a whole manifest (one file or a folder tree), with resume.
import { lstat, mkdir, readdir, realpath, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FileHashChain, type FileHashState } from './chunk-hash.ts';
import { type ChunkLayout, layoutChunks, locateChunk } from './chunk-layout.ts';
import type { ChunkSink, HasherFactory } from './chunk-types.ts';
import { FileError } from './file-error.ts';
import { FileSink } from './file-sink.ts';
import { installFile } from './install-file.ts';
import {
  fromHex,
  type ProgressRecord,
  readProgressRecord,
  recordMatches,
  toHex,
  writeProgressRecord,
} from './progress-record.ts';
import { resolveInside } from './resolve-inside.ts';
import { STAGING_DIR_NAME, sanitizeRelativePath } from './safe-path.ts';
import { SinkQueue } from './sink-queue.ts';

/** One file as the (decrypted) manifest describes it. */
export interface IncomingFile {
  path: string;
  size: number;
  digest: Uint8Array;
  mtimeMs?: number;
  mode?: number;
}

export interface TransferSinkOptions {
  /** The directory the user chose; nothing is written outside it. */
  rootDir: string;
  transferId: string;
  /** Digest of the manifest as offered (any stable string, e.g. hex); binds the progress record to it. */
  manifestDigest: string;
  senderDevice: string;
  chunkSize: number;
  files: readonly IncomingFile[];
  hasher: HasherFactory;
  /** Replace existing files. Default false: an existing file makes the transfer fail with `file_exists`. */
  overwrite?: boolean;
  /** Per-file positional writes in flight. Default 8. */
  maxInFlight?: number;
}

const TRANSFER_ID = /^[A-Za-z0-9_-]{1,64}$/u;

/**
 * Receives a manifest's chunks (global numbering, {@link layoutChunks}) into
 * `<root>/.hypersend/<transferId>/<fileIndex>.part`, installs each file under its sanitized name when
 * its last chunk arrives and verifies, and keeps `progress.json` beside the parts so that a restarted
 * receiver continues at {@link TransferSink.nextChunk}.
 *
 * @example
 * const sink = await TransferSink.open({ rootDir, transferId, manifestDigest, senderDevice, chunkSize, files, hasher });
 * tellSender(sink.nextChunk); // 0, or where a previous run stopped
 * for await (const [i, bytes] of incoming) {
 *   await sink.write(i, bytes);
 *   if ((i + 1) % 16 === 0) ack(await sink.commitThrough(i));
 * }
 * await sink.finish();
 */
export class TransferSink implements ChunkSink {
  readonly layout: ChunkLayout;
  readonly #o: TransferSinkOptions;
  readonly #root: string;
  readonly #staging: string;
  readonly #segments: readonly string[][];
  #accepted: number;
  #current: { fileIndex: number; sink: FileSink } | undefined;
  #resumeState: FileHashState | undefined;
  #lastCommitted: string | undefined;
  readonly #ops = new SinkQueue('transfer sink is closed');
  /** Tail of the record writes (see {@link TransferSink.commitThrough}); never rejects. */
  #records: Promise<unknown> = Promise.resolve();

  private constructor(
    o: TransferSinkOptions,
    root: string,
    staging: string,
    segments: string[][],
    start: { nextChunk: number; hash: FileHashState | undefined },
  ) {
    this.#o = o;
    this.#root = root;
    this.#staging = staging;
    this.#segments = segments;
    this.layout = layoutChunks(
      o.files.map((f) => f.size),
      o.chunkSize,
    );
    this.#accepted = start.nextChunk;
    this.#resumeState = start.hash;
  }

  /**
   * Validates the manifest, prepares the staging folder, and resumes from a matching progress record
   * (anything else there is discarded). Fails early with `unsafe_path`, `bad_manifest`,
   * `path_escape` or `file_exists` before any byte is received.
   */
  static async open(o: TransferSinkOptions): Promise<TransferSink> {
    if (!TRANSFER_ID.test(o.transferId))
      throw new FileError('bad_manifest', 'transfer id is not a safe identifier');
    if (o.files.length === 0) throw new FileError('bad_manifest', 'manifest has no files');
    const segments = manifestSegments(o.files);
    const root = await realpath(o.rootDir);
    const staging = await makeStaging(root, o.transferId);
    const layout = layoutChunks(
      o.files.map((f) => f.size),
      o.chunkSize,
    );
    const identity = { ...o, chunkCount: layout.chunkCount };

    let start: { nextChunk: number; hash: FileHashState | undefined } = { nextChunk: 0, hash: undefined };
    const record = await readProgressRecord(staging);
    const resumed = record !== undefined && recordMatches(record, identity);
    if (resumed) {
      start = await usableStart(record, layout, staging);
    } else {
      await clearDir(staging);
    }
    const sink = new TransferSink(o, root, staging, segments, start);
    try {
      if (resumed && record.installing !== undefined) await sink.#install(record.installing);
      await sink.#precheck();
    } catch (e) {
      // A fresh staging folder is ours to remove; a resumable one is kept for a retry (e.g. with overwrite).
      if (!resumed) await sink.#removeStaging();
      throw e;
    }
    return sink;
  }

  /** Where the sender should start (or restart): the first chunk not yet durable here. */
  get nextChunk(): number {
    return this.#accepted;
  }

  write(index: number, bytes: Uint8Array): Promise<void> {
    return this.#ops.run(() => this.#write(index, bytes));
  }

  /**
   * Makes every chunk accepted so far durable (which includes `_index` when it was written) and
   * resolves with their count once it is: the caller acknowledges that value, never more.
   *
   * Only the snapshot (hash state, chunk count, writes issued) waits its turn among the writes;
   * the fsyncs and the record happen beside them, so writes queued after a commit go on while it
   * is made durable. Records are written in snapshot order, so the one on disk only moves forward.
   */
  commitThrough(_index: number): Promise<number> {
    return this.#ops.run(async () => this.#snapshot()).then((snap) => this.#persist(snap));
  }

  finish(): Promise<void> {
    return this.#ops.run(async () => {
      if (this.#accepted !== this.layout.chunkCount) {
        throw new FileError(
          'size_mismatch',
          `transfer incomplete: ${this.#accepted}/${this.layout.chunkCount} chunks`,
        );
      }
      this.#ops.markClosed();
      await this.#records; // a commit still landing would re-create the record after the removal
      await this.#removeStaging();
    });
  }

  /**
   * Stops and closes the open `.part` without deleting anything: `.part` and `progress.json` stay
   * for a later resume (connection lost, interrupted). What was not committed is re-received.
   * Safe to call more than once and after `abort`; every later call fails with `closed`.
   */
  async close(): Promise<void> {
    await this.#ops.drain();
    await this.#records;
    await this.#current?.sink.close();
    this.#current = undefined;
  }

  /** Deletes partial data and progress. Files already verified and installed stay. */
  async abort(): Promise<void> {
    await this.#ops.drain();
    await this.#records;
    await this.#current?.sink.abort();
    this.#current = undefined;
    await this.#removeStaging();
  }

  async #write(index: number, bytes: Uint8Array): Promise<void> {
    if (index < this.#accepted) return; // resent after a restart: already durable or in flight
    if (index > this.#accepted)
      throw new FileError('out_of_order', `expected chunk ${this.#accepted}, got ${index}`);
    const loc = locateChunk(this.layout, index);
    try {
      const sink = await this.#sinkFor(loc.fileIndex);
      await sink.write(loc.localIndex, bytes);
      this.#accepted += 1;
      if (loc.isLastOfFile) await this.#completeFile(loc.fileIndex, sink);
    } catch (e) {
      // Tamper, disk errors, or a file that appeared under the final name: nothing partial survives.
      if (e instanceof FileError && (e.code === 'out_of_order' || e.code === 'bad_chunk')) throw e;
      await this.#failAll();
      throw e;
    }
  }

  async #completeFile(fileIndex: number, sink: FileSink): Promise<void> {
    await sink.verify();
    this.#current = undefined;
    this.#resumeState = undefined;
    // Record "verified, installing" first, so a crash during install is finished on restart rather
    // than re-receiving the file.
    await this.#writeRecord({ installing: fileIndex });
    await this.#install(fileIndex);
    await this.#writeRecord({});
  }

  /** What a commit makes durable, taken in write order: no disk wait here. */
  #snapshot(): Snapshot {
    const accepted = this.#accepted;
    if (this.#current === undefined)
      return { accepted, state: this.#resumeState ?? freshState(this.#o.hasher), durable: undefined };
    const { state, durable } = this.#current.sink.checkpoint();
    durable.catch(() => undefined); // awaited in #persist; a failure there is the caller's
    return { accepted, state, durable };
  }

  /** Waits for the snapshot's data to be on disk, then records it (after any earlier record). */
  #persist(snap: Snapshot, extra: { installing?: number } = {}): Promise<number> {
    return this.#inRecordOrder(async () => {
      await snap.durable;
      await this.#putRecord(snap.accepted, snap.state, extra);
      return snap.accepted;
    });
  }

  /** Runs `fn` after every record write started before it (they must land in order). */
  #inRecordOrder<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#records.then(fn);
    this.#records = run.catch(() => undefined);
    return run;
  }

  /** Records the current state durably and waits for it (inside the op queue: install steps). */
  async #writeRecord(extra: { installing?: number }): Promise<void> {
    await this.#persist(this.#snapshot(), extra);
  }

  async #putRecord(accepted: number, state: FileHashState, extra: { installing?: number }): Promise<void> {
    const record: ProgressRecord = {
      version: 1,
      transferId: this.#o.transferId,
      manifestDigest: this.#o.manifestDigest,
      senderDevice: this.#o.senderDevice,
      chunkSize: this.#o.chunkSize,
      chunkCount: this.layout.chunkCount,
      nextChunk: accepted,
      hash: { chunks: state.chunks, bytes: state.bytes, chain: toHex(state.chain) },
      ...extra,
    };
    const key = JSON.stringify(record);
    if (key === this.#lastCommitted) return;
    await writeProgressRecord(this.#staging, record);
    this.#lastCommitted = key;
  }

  async #sinkFor(fileIndex: number): Promise<FileSink> {
    if (this.#current?.fileIndex === fileIndex) return this.#current.sink;
    const file = this.#o.files[fileIndex] as IncomingFile;
    const partPath = join(this.#staging, `${fileIndex}.part`);
    const finalPath = await resolveInside(this.#root, this.#segments[fileIndex] as string[], {
      createDirs: true,
    });
    const resume =
      this.#resumeState !== undefined && this.#resumeState.chunks > 0 ? this.#resumeState : undefined;
    // A `.part` without a record entry is from a run that crashed before its first commit: start it over.
    if (resume === undefined) await rm(partPath, { force: true });
    const sink = await FileSink.create({
      partPath,
      finalPath,
      displayPath: this.#segments[fileIndex]?.join('/') ?? '',
      size: file.size,
      chunkSize: this.#o.chunkSize,
      digest: file.digest,
      hasher: this.#o.hasher,
      ...(this.#o.maxInFlight === undefined ? {} : { maxInFlight: this.#o.maxInFlight }),
      ...(file.mode === undefined ? {} : { mode: file.mode }),
      ...(file.mtimeMs === undefined ? {} : { mtimeMs: file.mtimeMs }),
      ...(resume === undefined ? {} : { resume }),
    });
    this.#current = { fileIndex, sink };
    return sink;
  }

  async #install(fileIndex: number): Promise<void> {
    const segments = this.#segments[fileIndex] as string[];
    const finalPath = await resolveInside(this.#root, segments, { createDirs: true });
    await installFile(join(this.#staging, `${fileIndex}.part`), finalPath, {
      overwrite: this.#o.overwrite ?? false,
      displayPath: segments.join('/'),
    });
  }

  /** Refuse before receiving anything: escapes through symlinks, and files that must not be overwritten. */
  async #precheck(): Promise<void> {
    const firstPending =
      this.#accepted < this.layout.chunkCount
        ? locateChunk(this.layout, this.#accepted).fileIndex
        : this.#o.files.length;
    for (let f = firstPending; f < this.#o.files.length; f++) {
      const segments = this.#segments[f] as string[];
      const finalPath = await resolveInside(this.#root, segments);
      if (!this.#o.overwrite && (await exists(finalPath))) throw FileError.fileExists(segments.join('/'));
    }
  }

  async #failAll(): Promise<void> {
    this.#ops.markClosed();
    await this.#records;
    await this.#current?.sink.abort();
    this.#current = undefined;
    await this.#removeStaging();
  }

  async #removeStaging(): Promise<void> {
    await rm(this.#staging, { recursive: true, force: true });
    // Leave `.hypersend` if other transfers are staged there.
    await rmdir(join(this.#root, STAGING_DIR_NAME)).catch(() => undefined);
  }
}

function manifestSegments(files: readonly IncomingFile[]): string[][] {
  const out: string[][] = [];
  const seen = new Set<string>();
  const dirs = new Set<string>();
  for (const f of files) {
    const safe = sanitizeRelativePath(f.path);
    if (!safe.ok)
      throw new FileError('unsafe_path', `${safe.code}: ${safe.reason}`, { path: String(f.path) });
    // Case-insensitive: on macOS/Windows `A.txt` and `a.txt` are one file, and repairs can collide too.
    const key = safe.path.toLowerCase();
    if (seen.has(key))
      throw new FileError('bad_manifest', `duplicate path: ${safe.path}`, { path: safe.path });
    seen.add(key);
    for (let i = 1; i < safe.segments.length; i++)
      dirs.add(safe.segments.slice(0, i).join('/').toLowerCase());
    out.push(safe.segments);
  }
  for (const key of seen) {
    if (dirs.has(key))
      throw new FileError('bad_manifest', `path is both a file and a folder: ${key}`, { path: key });
  }
  return out;
}

async function makeStaging(root: string, transferId: string): Promise<string> {
  let dir = root;
  for (const name of [STAGING_DIR_NAME, transferId]) {
    dir = join(dir, name);
    await mkdir(dir, { mode: 0o700 }).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
    // A symlink planted here would redirect every .part and record outside the root.
    const info = await lstat(dir);
    if (!info.isDirectory()) throw FileError.pathEscape(dir, 'staging folder is not a plain directory');
  }
  return dir;
}

async function clearDir(dir: string): Promise<void> {
  for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true, force: true });
}

/**
 * Where to continue given a matching record. If the current file's `.part` is missing or shorter
 * than the record says (deleted by the user, or a filesystem that lost it), only that file restarts.
 */
async function usableStart(
  record: ProgressRecord,
  layout: ChunkLayout,
  staging: string,
): Promise<{ nextChunk: number; hash: FileHashState | undefined }> {
  const hash = { chunks: record.hash.chunks, bytes: record.hash.bytes, chain: fromHex(record.hash.chain) };
  if (record.nextChunk >= layout.chunkCount || hash.chunks === 0)
    return { nextChunk: record.nextChunk, hash };
  const loc = locateChunk(layout, record.nextChunk);
  const partSize = await lstat(join(staging, `${loc.fileIndex}.part`)).then(
    (s) => s.size,
    () => -1,
  );
  if (loc.localIndex === hash.chunks && partSize >= hash.bytes) return { nextChunk: record.nextChunk, hash };
  return { nextChunk: record.nextChunk - loc.localIndex, hash: undefined };
}

/** A commit's view of the sink, taken between two writes (see {@link TransferSink.commitThrough}). */
interface Snapshot {
  /** Chunks accepted when it was taken: what the record will say and the caller may acknowledge. */
  accepted: number;
  state: FileHashState;
  /** The open `.part`'s writes up to the snapshot done and fsynced; none when no file is open. */
  durable: Promise<void> | undefined;
}

function freshState(hasher: HasherFactory): FileHashState {
  return new FileHashChain(hasher).state;
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}
