// Browser: the resumable receive sink for picked folders and OPFS. Chunks go into closed-at-ack
// segment files (segment-staging.ts); the Node receiver's ProgressRecord, plus the list of durable
// segments, goes to IndexedDB (progress-store.ts) after each segment closes. A reloaded page that
// is offered the same transfer again opens this sink, finds the record, and the engine answers
// RESUME_FROM with `nextChunk`, exactly as a restarted Node receiver does.
import { HypersendError } from '../errors.ts';
import { FileHashChain, type FileHashState } from '../files/chunk-hash.ts';
import { type ChunkLayout, layoutChunks, locateChunk } from '../files/chunk-layout.ts';
import type { ChunkSink } from '../files/chunk-types.ts';
import { FileError } from '../files/file-error.ts';
import { fromHex, type ProgressRecord, recordMatches, toHex } from '../files/progress-record-schema.ts';
import { SinkQueue } from '../files/sink-queue.ts';
import { bytesBefore } from '../transfer/transfer-events.ts';
import { sweepStalePartials } from './partials.ts';
import {
  type PartialReceive,
  type PartSegment,
  type ProgressStore,
  progressStore,
} from './progress-store.ts';
import type { ReceiveDirectory } from './receive-targets.ts';
import { SegmentStaging, type SegmentWriter, segmentName } from './segment-staging.ts';
import type { IncomingFile, TransferSinkOptions } from './transfer-sink.ts';

/**
 * A segment is closed (made durable, then acknowledged) at an acknowledgement once it holds this
 * much, so a 40 GB file is ~5,000 segments, not one per 4 MiB ACK. Well under the sender's 32 MiB
 * window, so acknowledgements keep the sender busy.
 */
export const SEGMENT_BYTES = 8 << 20;
/** ...or once it is this old: a slow (rate-limited) sender still gets durable ACKs every second. */
export const SEGMENT_MAX_AGE_MS = 1000;

interface Start {
  nextChunk: number;
  hash: FileHashState | undefined;
  segments: PartSegment[];
}

interface OpenSegment {
  fileIndex: number;
  start: number;
  chunks: number;
  bytes: number;
  openedAt: number;
  writer: SegmentWriter;
}

/**
 * Receives into `<target>/.hypersend/<transferId>/` and installs each verified file under its
 * name. `nextChunk` is where the sender should (re)start: everything below it is durable.
 *
 * @example
 * const sink = await StagedSink.open(options, await receiveTargets.resolve('inbox'), segments);
 * sink.nextChunk; // 0, or where the page before a reload stopped
 */
export class StagedSink implements ChunkSink {
  readonly layout: ChunkLayout;
  readonly #o: TransferSinkOptions;
  readonly #kind: 'opfs' | 'picked';
  readonly #names: readonly string[][];
  readonly #staging: SegmentStaging;
  readonly #store: ProgressStore;
  /** Next chunk to accept (written, maybe not yet durable). */
  #accepted: number;
  /** Hash chain of the file that contains `#accepted`, with its index. */
  #file: { index: number; chain: FileHashChain } | undefined;
  /** Durable segments of that file. */
  #segments: PartSegment[];
  #open: OpenSegment | undefined;
  #lastPut = '';
  readonly #ops = new SinkQueue('sink is closed');

  private constructor(
    o: TransferSinkOptions,
    kind: 'opfs' | 'picked',
    names: string[][],
    staging: SegmentStaging,
    store: ProgressStore,
    start: Start,
  ) {
    this.#o = o;
    this.#kind = kind;
    this.#names = names;
    this.#staging = staging;
    this.#store = store;
    this.layout = layoutChunks(
      o.files.map((f) => f.size),
      o.chunkSize,
    );
    this.#accepted = start.nextChunk;
    this.#segments = start.segments;
    if (start.hash !== undefined && start.nextChunk < this.layout.chunkCount)
      this.#file = {
        index: locateChunk(this.layout, start.nextChunk).fileIndex,
        chain: FileHashChain.resume(o.hasher, start.hash),
      };
  }

  /**
   * Resume from a matching record (anything else staged for this transfer is discarded), refuse
   * existing names and a transfer the OPFS quota cannot hold, all before any byte.
   *
   * @throws FileError `file_exists`; HypersendError `payload_too_large` (quota), `io`.
   */
  static async open(o: TransferSinkOptions, dir: ReceiveDirectory, names: string[][]): Promise<StagedSink> {
    const kind = dir.kind === 'picked' ? 'picked' : 'opfs';
    const root = dir.root as FileSystemDirectoryHandle;
    const store = progressStore();
    await sweepStalePartials().catch(() => undefined); // housekeeping must not block a receive
    const layout = layoutChunks(
      o.files.map((f) => f.size),
      o.chunkSize,
    );
    const staging = await SegmentStaging.open(root, o.transferId);
    const entry = await store.get(o.transferId).catch(() => undefined);
    const resumed =
      entry !== undefined &&
      entry.rootDir === o.rootDir &&
      recordMatches(entry.record, { ...o, chunkCount: layout.chunkCount });
    let start: Start = { nextChunk: 0, hash: undefined, segments: [] };
    if (resumed) start = await usableStart(entry, layout, staging);
    else await store.delete(o.transferId).catch(() => undefined);
    const sink = new StagedSink(o, kind, names, staging, store, start);
    try {
      if (resumed && entry.record.installing !== undefined)
        await sink.#install(entry.record.installing, entry.segments, true);
      const keep = new Set(
        start.nextChunk < layout.chunkCount
          ? start.segments.map((s) => segmentName(locateChunk(layout, start.nextChunk).fileIndex, s.start))
          : [],
      );
      await staging.removeAllExcept(keep);
      await sink.#precheck(root);
      if (kind === 'opfs') await sink.#checkQuota();
      await sink.#putRecord();
    } catch (e) {
      // A fresh staging folder is ours to remove; a resumable one is kept for a retry.
      if (!resumed) await sink.#removeAll();
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
   * Close the open segment when it is big or old enough (then record it durably) and return the
   * first chunk not yet durable: the engine acknowledges exactly that.
   */
  commitThrough(_index: number): Promise<number> {
    return this.#ops.run(async () => {
      const seg = this.#open;
      if (seg && (seg.bytes >= SEGMENT_BYTES || Date.now() - seg.openedAt >= SEGMENT_MAX_AGE_MS)) {
        await this.#closeSegment();
        await this.#putRecord();
      }
      return this.#durable();
    });
  }

  finish(): Promise<void> {
    return this.#ops.run(async () => {
      if (this.#accepted !== this.layout.chunkCount)
        throw new FileError(
          'size_mismatch',
          `transfer incomplete: ${this.#accepted}/${this.layout.chunkCount} chunks`,
        );
      this.#ops.markClosed();
      await this.#removeAll();
    });
  }

  /** Stop, keeping the durable segments and the record for a later resume (connection lost, interrupted). */
  async close(): Promise<void> {
    await this.#ops.drain();
    const seg = this.#open;
    this.#open = undefined;
    await seg?.writer.abort(); // beyond the record: re-received on resume
  }

  /** Delete partial data and the record. Files already verified and installed stay. */
  async abort(): Promise<void> {
    await this.#ops.drain();
    const seg = this.#open;
    this.#open = undefined;
    await seg?.writer.abort();
    await this.#removeAll();
  }

  #durable(): number {
    return this.#accepted - (this.#open?.chunks ?? 0);
  }

  async #write(index: number, bytes: Uint8Array): Promise<void> {
    if (index < this.#accepted) return; // a resent window: already written
    if (index > this.#accepted)
      throw new FileError('out_of_order', `expected chunk ${this.#accepted}, got ${index}`);
    const loc = locateChunk(this.layout, index);
    if (bytes.length !== loc.length) throw new FileError('bad_chunk', `chunk ${index} has the wrong length`);
    if (this.#file?.index !== loc.fileIndex) {
      this.#file = { index: loc.fileIndex, chain: new FileHashChain(this.#o.hasher) };
      this.#segments = [];
    }
    this.#open ??= {
      fileIndex: loc.fileIndex,
      start: loc.localIndex,
      chunks: 0,
      bytes: 0,
      openedAt: Date.now(),
      writer: await this.#staging.createSegment(loc.fileIndex, loc.localIndex),
    };
    this.#file.chain.push(bytes);
    if (bytes.length > 0) await this.#open.writer.write(bytes);
    this.#open.chunks++;
    this.#open.bytes += bytes.length;
    this.#accepted++;
    if (loc.isLastOfFile) await this.#completeFile(loc.fileIndex);
  }

  async #completeFile(fileIndex: number): Promise<void> {
    await this.#closeSegment();
    const file = this.#o.files[fileIndex] as IncomingFile;
    const digest = (this.#file as { chain: FileHashChain }).chain.digest();
    if (!sameBytes(digest, file.digest)) {
      await this.#removeAll();
      this.#ops.markClosed();
      throw new FileError('hash_mismatch', 'received bytes do not match the manifest digest', {
        path: file.path,
      });
    }
    const segments = this.#segments;
    this.#file = undefined;
    this.#segments = [];
    // "Verified, installing" first: a reload during the install finishes it instead of re-receiving.
    await this.#putRecord(fileIndex, segments);
    await this.#install(fileIndex, segments, false);
    await this.#putRecord();
  }

  async #install(fileIndex: number, segments: readonly PartSegment[], redo: boolean): Promise<void> {
    const file = this.#o.files[fileIndex] as IncomingFile;
    await this.#staging.install(fileIndex, segments, this.#names[fileIndex] as string[], file.size, {
      overwrite: this.#o.overwrite ?? false,
      redo,
    });
  }

  async #closeSegment(): Promise<void> {
    const seg = this.#open;
    if (seg === undefined) return;
    this.#open = undefined;
    await seg.writer.close();
    this.#segments.push({ start: seg.start, chunks: seg.chunks, bytes: seg.bytes });
  }

  async #putRecord(installing?: number, installingSegments?: PartSegment[]): Promise<void> {
    const state = this.#file?.chain.state ?? new FileHashChain(this.#o.hasher).state;
    const record: ProgressRecord = {
      version: 1,
      transferId: this.#o.transferId,
      manifestDigest: this.#o.manifestDigest,
      senderDevice: this.#o.senderDevice,
      chunkSize: this.#o.chunkSize,
      chunkCount: this.layout.chunkCount,
      nextChunk: this.#durable(),
      hash: { chunks: state.chunks, bytes: state.bytes, chain: toHex(state.chain) },
      ...(installing === undefined ? {} : { installing }),
    };
    const segments = installingSegments ?? this.#segments;
    const key = JSON.stringify([record, segments]);
    if (key === this.#lastPut) return;
    const entry: PartialReceive = {
      v: 1,
      rootDir: this.#o.rootDir,
      kind: this.#kind,
      updatedAt: Date.now(),
      record,
      segments,
    };
    await this.#store.put(entry);
    this.#lastPut = key;
  }

  /** Names still to be received must be free (unless `overwrite`): checked before any byte. */
  async #precheck(root: FileSystemDirectoryHandle): Promise<void> {
    if (this.#o.overwrite) return;
    const first =
      this.#accepted < this.layout.chunkCount
        ? locateChunk(this.layout, this.#accepted).fileIndex
        : this.#o.files.length;
    for (let f = first; f < this.#o.files.length; f++) {
      const names = this.#names[f] as string[];
      if (await fileExists(root, names)) throw FileError.fileExists(names.join('/'));
    }
  }

  /**
   * OPFS shares the origin's quota: refuse before any byte when what is left to receive, plus one
   * copy of the largest file still to come (joining its segments), does not fit.
   */
  async #checkQuota(): Promise<void> {
    const estimate = await globalThis.navigator?.storage?.estimate?.().catch(() => undefined);
    if (estimate?.quota === undefined || estimate.usage === undefined) return; // unknown: let the writes tell
    const total = this.#o.files.reduce((n, f) => n + f.size, 0);
    const remaining = total - bytesBefore(this.layout, this.#accepted);
    const first =
      this.#accepted < this.layout.chunkCount ? locateChunk(this.layout, this.#accepted).fileIndex : 0;
    const largest = Math.max(0, ...this.#o.files.slice(first).map((f) => f.size));
    const needed = remaining + largest;
    const available = estimate.quota - estimate.usage;
    if (needed > available)
      throw new HypersendError(
        'payload_too_large',
        `not enough browser storage: ${needed} bytes needed, ${available} available`,
        { details: { neededBytes: needed, availableBytes: available } },
      );
  }

  async #removeAll(): Promise<void> {
    await this.#staging.removeAll();
    await this.#store.delete(this.#o.transferId).catch(() => undefined);
  }
}

/**
 * Where to continue given a matching record. If the current file's segments are missing or not
 * the sizes recorded (site data partly cleared), only that file restarts.
 */
async function usableStart(
  entry: PartialReceive,
  layout: ChunkLayout,
  staging: SegmentStaging,
): Promise<Start> {
  const r = entry.record;
  const hash = { chunks: r.hash.chunks, bytes: r.hash.bytes, chain: fromHex(r.hash.chain) };
  if (r.nextChunk >= layout.chunkCount) return { nextChunk: r.nextChunk, hash: undefined, segments: [] };
  const loc = locateChunk(layout, r.nextChunk);
  const restartFile: Start = { nextChunk: r.nextChunk - loc.localIndex, hash: undefined, segments: [] };
  if (r.installing !== undefined || loc.localIndex === 0)
    return { nextChunk: r.nextChunk, hash: undefined, segments: [] };
  if (hash.chunks !== loc.localIndex) return restartFile;
  let chunks = 0;
  let bytes = 0;
  for (const s of entry.segments) {
    if (s.start !== chunks || (await staging.segmentSize(loc.fileIndex, s.start)) !== s.bytes)
      return restartFile;
    chunks += s.chunks;
    bytes += s.bytes;
  }
  if (chunks !== hash.chunks || bytes !== hash.bytes) return restartFile;
  return { nextChunk: r.nextChunk, hash, segments: [...entry.segments] };
}

async function fileExists(root: FileSystemDirectoryHandle, names: readonly string[]): Promise<boolean> {
  try {
    let dir = root;
    for (const s of names.slice(0, -1)) dir = await dir.getDirectoryHandle(s);
    await dir.getFileHandle(names.at(-1) as string);
    return true;
  } catch {
    return false;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
