// Node-only: writes one incoming file into its `.part`, with backpressure, and verifies it.
import { type FileHandle, open, rm } from 'node:fs/promises';
import { equalBytes, FileHashChain, type FileHashState } from './chunk-hash.ts';
import { chunkLength, fileChunkCount } from './chunk-layout.ts';
import type { HasherFactory } from './chunk-types.ts';
import { FileError } from './file-error.ts';
import { installFile } from './install-file.ts';

export interface FileSinkOptions {
  partPath: string;
  finalPath: string;
  /** Manifest path, for errors. */
  displayPath: string;
  size: number;
  chunkSize: number;
  /** Whole-file digest from the manifest ({@link FileHashChain} definition). */
  digest: Uint8Array;
  hasher: HasherFactory;
  /** Positional writes allowed in flight before `write` waits. Default 8. */
  maxInFlight?: number;
  /** Permission bits for the installed file. Default 0o644, or 0o755 if `mode` has owner-execute. */
  mode?: number;
  mtimeMs?: number;
  /** Continue an existing `.part` (from a progress record) instead of creating one. */
  resume?: FileHashState;
}

/**
 * One file's receiving end. Chunk `i` goes to offset `i * chunkSize` of `<partPath>`, created with
 * `wx` and mode 0600 (never opened through an existing name, never readable by others while
 * incomplete). Whole-file hashing happens as chunks arrive, so the only state to persist is
 * {@link FileSink.sync}'s return value.
 *
 * @example
 * const sink = await FileSink.create({ partPath, finalPath, displayPath: 'a.txt', size, chunkSize, digest, hasher });
 * for (let i = 0; i < n; i++) await sink.write(i, chunks[i]);
 * await sink.verify();
 * await sink.install({ overwrite: false });
 */
export class FileSink {
  readonly #o: FileSinkOptions;
  readonly #fh: FileHandle;
  readonly #chain: FileHashChain;
  readonly #chunkCount: number;
  readonly #maxInFlight: number;
  readonly #inFlight = new Set<Promise<void>>();
  /** fsyncs started by {@link FileSink.checkpoint} and not yet settled. */
  readonly #syncs = new Set<Promise<unknown>>();
  /** Consecutive chunks gathered for one positional write (see {@link WRITE_BATCH_BYTES}). */
  readonly #batchCapacity: number;
  #batch: { bytes: Uint8Array; start: number; length: number } | undefined;
  readonly #spare: Uint8Array[] = [];
  #next: number;
  #error: unknown;
  #closed = false;
  /** Every chunk is written and fsynced (set by {@link FileSink.verify} before it closes). */
  #verified = false;

  private constructor(o: FileSinkOptions, fh: FileHandle, chain: FileHashChain) {
    this.#o = o;
    this.#fh = fh;
    this.#chain = chain;
    this.#chunkCount = fileChunkCount(o.size, o.chunkSize);
    this.#maxInFlight = Math.max(1, o.maxInFlight ?? 8);
    this.#next = chain.state.chunks;
    this.#batchCapacity = Math.max(1, Math.floor(WRITE_BATCH_BYTES / o.chunkSize)) * o.chunkSize;
  }

  /** Creates the `.part` (or reopens it to resume, cutting off anything past the durable prefix). */
  static async create(o: FileSinkOptions): Promise<FileSink> {
    if (o.resume === undefined) {
      const fh = await open(o.partPath, 'wx', 0o600);
      return new FileSink(o, fh, new FileHashChain(o.hasher));
    }
    const fh = await open(o.partPath, 'r+');
    try {
      const { size } = await fh.stat();
      if (size < o.resume.bytes || o.resume.bytes !== Math.min(o.size, o.resume.chunks * o.chunkSize)) {
        throw new FileError('io', `.part does not match the progress record: ${o.displayPath}`);
      }
      // Bytes past the record were written but never acknowledged; they will be sent again.
      await fh.truncate(o.resume.bytes);
    } catch (e) {
      await fh.close();
      throw e;
    }
    return new FileSink(o, fh, FileHashChain.resume(o.hasher, o.resume));
  }

  /** Chunks accepted so far (the next expected local index). */
  get next(): number {
    return this.#next;
  }

  /**
   * Accepts local chunk `index`; resolves when fewer than `maxInFlight` writes are pending.
   * Earlier indices are ignored (resent window); later ones are `out_of_order`.
   */
  async write(index: number, bytes: Uint8Array): Promise<void> {
    this.#check();
    if (index < this.#next) return;
    if (index > this.#next) throw new FileError('out_of_order', `expected chunk ${this.#next}, got ${index}`);
    if (bytes.length !== chunkLength(this.#o.size, this.#o.chunkSize, index)) {
      throw new FileError('bad_chunk', `chunk ${index} has the wrong length`, { path: this.#o.displayPath });
    }
    this.#chain.push(bytes);
    this.#next += 1;
    if (bytes.length > 0) {
      // Chunks are consecutive here (in-order check above), so they append to the batch.
      this.#batch ??= {
        bytes: this.#spare.pop() ?? new Uint8Array(this.#batchCapacity),
        start: index * this.#o.chunkSize,
        length: 0,
      };
      const b = this.#batch;
      b.bytes.set(bytes, b.length);
      b.length += bytes.length;
      if (b.length + this.#o.chunkSize > this.#batchCapacity) this.#flush();
    }
    while (this.#inFlight.size >= this.#maxInFlight) await Promise.race(this.#inFlight);
    this.#check();
  }

  /** Waits for pending writes, fsyncs, and returns the hash state those chunks are durable under. */
  async sync(): Promise<FileHashState> {
    const { state, durable } = this.checkpoint();
    await durable;
    return state;
  }

  /**
   * Starts making every chunk accepted so far durable, without holding up later writes: the hash
   * state is taken now, and `durable` resolves once the writes issued up to now are done and the
   * `.part` is fsynced. Writes made meanwhile go on (they may become durable too; nothing relies
   * on that). The receiver commits this way so that receiving never waits for an fsync.
   */
  checkpoint(): { state: FileHashState; durable: Promise<void> } {
    this.#check();
    const state = this.#chain.state;
    this.#flush();
    const writes = [...this.#inFlight];
    const durable = Promise.all(writes).then(async () => {
      if (this.#verified) return; // verify() fsynced every chunk before it closed the handle
      this.#check();
      await this.#fh.sync();
    });
    // close() waits for running fsyncs: the handle must not be closed under one.
    const tracked: Promise<void> = durable.then(
      () => void this.#syncs.delete(tracked),
      () => void this.#syncs.delete(tracked),
    );
    this.#syncs.add(tracked);
    return { state, durable };
  }

  /**
   * Checks that every chunk arrived and the whole-file digest matches, then sets mode and mtime and
   * closes the `.part`. On mismatch the `.part` is deleted and `hash_mismatch` thrown.
   */
  async verify(): Promise<void> {
    if (this.#next !== this.#chunkCount) {
      throw new FileError('size_mismatch', `file incomplete: ${this.#o.displayPath}`, {
        path: this.#o.displayPath,
      });
    }
    await this.sync();
    this.#verified = true;
    const { size } = await this.#fh.stat();
    if (size !== this.#o.size || !equalBytes(this.#chain.digest(), this.#o.digest)) {
      await this.abort();
      throw FileError.hashMismatch(this.#o.displayPath);
    }
    const exec = ((this.#o.mode ?? 0) & 0o100) !== 0;
    await this.#fh.chmod(exec ? 0o755 : 0o644);
    if (this.#o.mtimeMs !== undefined) await this.#fh.utimes(new Date(), new Date(this.#o.mtimeMs));
    this.#closed = true;
    await this.#fh.close();
  }

  /** Moves the verified `.part` to the final name (see {@link installFile}). */
  async install(options: { overwrite?: boolean } = {}): Promise<void> {
    await installFile(this.#o.partPath, this.#o.finalPath, {
      overwrite: options.overwrite ?? false,
      displayPath: this.#o.displayPath,
    });
  }

  /** Stops, and deletes the `.part`. Safe to call more than once. */
  async abort(): Promise<void> {
    await this.close();
    await rm(this.#o.partPath, { force: true });
  }

  /**
   * Stops and closes the `.part` without deleting it: what was synced stays for a later resume
   * (the progress record says how much). Safe to call more than once, and after `abort`.
   */
  async close(): Promise<void> {
    const wasOpen = !this.#closed;
    this.#closed = true;
    this.#batch = undefined;
    await Promise.allSettled([...this.#inFlight, ...this.#syncs]);
    if (wasOpen) await this.#fh.close().catch(() => undefined);
  }

  /** Start writing the gathered batch; its buffer is reused once the write is done. */
  #flush(): void {
    const b = this.#batch;
    if (b === undefined || b.length === 0) return;
    this.#batch = undefined;
    const p = writeFully(this.#fh, b.bytes.subarray(0, b.length), b.start).then(
      () => {
        this.#inFlight.delete(p);
        if (this.#spare.length < 2) this.#spare.push(b.bytes);
      },
      (e: unknown) => {
        this.#inFlight.delete(p);
        this.#error ??= e;
      },
    );
    this.#inFlight.add(p);
  }

  #check(): void {
    if (this.#error !== undefined) {
      throw new FileError('io', `write failed: ${this.#o.displayPath}`, {
        cause: this.#error,
        path: this.#o.displayPath,
      });
    }
    if (this.#closed) throw new FileError('closed', 'sink is closed');
  }
}

/**
 * Consecutive chunks are written in batches of about this many bytes: one positional write (one
 * thread-pool round trip and syscall) per MiB instead of per chunk, for the cost of a copy.
 */
const WRITE_BATCH_BYTES = 1 << 20;

async function writeFully(fh: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
}
