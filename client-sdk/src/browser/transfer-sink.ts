// Browser replacement of files/transfer-sink.ts (package.json "browser" map): streams each file
// of a manifest into a receive target (picked folder, OPFS, or capped memory; receive-targets.ts),
// verifying its whole-file hash before it gets its final name.

import { constantTimeEqual } from '../encoding.ts';
import { FileHashChain } from '../files/chunk-hash.ts';
import { type ChunkLayout, layoutChunks, locateChunk } from '../files/chunk-layout.ts';
import type { ChunkSink, HasherFactory } from '../files/chunk-types.ts';
import { FileError } from '../files/file-error.ts';
import { sanitizeRelativePath } from '../files/safe-path.ts';
import { type FileWriter, type ReceiveDirectory, receiveTargets } from './receive-targets.ts';

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

/**
 * Receives a manifest's chunks in order into a browser receive target. Memory is one chunk per
 * write plus the writer's own buffering (the picked folder and OPFS stream to disk; the memory
 * target is capped and refuses oversize transfers before any byte).
 *
 * Unlike Node there is no durable progress record: a reloaded page cannot re-attach to a
 * half-written file, so `commitThrough` acknowledges what was written and a new page starts over.
 *
 * @example
 * const sink = await TransferSink.open({ rootDir: 'downloads', transferId, files, chunkSize, hasher, ... });
 * await sink.write(0, bytes);
 * await sink.finish();
 */
export class TransferSink implements ChunkSink {
  readonly layout: ChunkLayout;
  readonly #o: TransferSinkOptions;
  readonly #dir: ReceiveDirectory;
  readonly #segments: readonly string[][];
  #accepted = 0;
  #current: { fileIndex: number; writer: FileWriter; hash: FileHashChain } | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(o: TransferSinkOptions, dir: ReceiveDirectory, segments: string[][]) {
    this.#o = o;
    this.#dir = dir;
    this.#segments = segments;
    this.layout = layoutChunks(
      o.files.map((f) => f.size),
      o.chunkSize,
    );
  }

  /**
   * Validate every name, resolve the target, refuse existing files (unless `overwrite`) and an
   * oversize memory transfer, all before any byte arrives.
   *
   * @throws FileError `bad_manifest`, `unsafe_path`, `file_exists`; HypersendError `payload_too_large`.
   */
  static async open(o: TransferSinkOptions): Promise<TransferSink> {
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
    if (!o.overwrite)
      for (let i = 0; i < segments.length; i++)
        if (await dir.exists(segments[i] as string[]))
          throw FileError.fileExists((o.files[i] as IncomingFile).path);
    if (dir.kind === 'memory') {
      // Reserve the whole manifest up front so an oversize offer fails before the first chunk.
      const total = o.files.reduce((n, f) => n + f.size, 0);
      const probe = await dir.create(['.hypersend-reserve'], total, true);
      await probe.abort();
    }
    return new TransferSink(o, dir, segments);
  }

  /** Where the sender should start: always 0 on a new page (see the class comment). */
  get nextChunk(): number {
    return this.#accepted;
  }

  write(index: number, bytes: Uint8Array): Promise<void> {
    return this.#enqueue(() => this.#write(index, bytes));
  }

  commitThrough(_index: number): Promise<number> {
    return this.#enqueue(async () => this.#accepted);
  }

  finish(): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#accepted !== this.layout.chunkCount)
        throw new FileError(
          'out_of_order',
          `transfer incomplete: ${this.#accepted}/${this.layout.chunkCount} chunks`,
        );
      this.#closed = true;
    });
  }

  async abort(): Promise<void> {
    this.#closed = true;
    await this.#queue.catch(() => undefined);
    const cur = this.#current;
    this.#current = undefined;
    await cur?.writer.abort();
  }

  #enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => {
      if (this.#closed) throw new FileError('closed', 'sink is closed');
      return fn();
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #write(index: number, bytes: Uint8Array): Promise<void> {
    if (index < this.#accepted) return; // a resent window: already written
    if (index > this.#accepted)
      throw new FileError('out_of_order', `expected chunk ${this.#accepted}, got ${index}`);
    const loc = locateChunk(this.layout, index);
    if (bytes.length !== loc.length) throw new FileError('bad_chunk', `chunk ${index} has the wrong length`);
    let cur = this.#current;
    if (cur === undefined || cur.fileIndex !== loc.fileIndex) {
      const file = this.#o.files[loc.fileIndex] as IncomingFile;
      const writer = await this.#dir.create(
        this.#segments[loc.fileIndex] as string[],
        file.size,
        this.#o.overwrite ?? false,
      );
      cur = { fileIndex: loc.fileIndex, writer, hash: new FileHashChain(this.#o.hasher) };
      this.#current = cur;
    }
    cur.hash.push(bytes);
    if (bytes.length > 0) await cur.writer.write(bytes);
    this.#accepted++;
    if (!loc.isLastOfFile) return;
    this.#current = undefined;
    const file = this.#o.files[loc.fileIndex] as IncomingFile;
    if (!constantTimeEqual(cur.hash.digest(), file.digest)) {
      await cur.writer.abort();
      throw new FileError('hash_mismatch', 'received bytes do not match the manifest digest', {
        path: file.path,
      });
    }
    await cur.writer.close();
  }
}
