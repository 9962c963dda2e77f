// Node-only: reads local files as numbered chunks with positional reads.
import { type FileHandle, open } from 'node:fs/promises';
import { FileHashChain } from './chunk-hash.ts';
import type { ChunkLayout } from './chunk-layout.ts';
import { layoutChunks, locateChunk } from './chunk-layout.ts';
import type { ChunkSource, HasherFactory } from './chunk-types.ts';
import { FileError } from './file-error.ts';

/** What the source needs to know about each file (a {@link SourceFile} fits). */
export interface SourceFileRef {
  absolutePath: string;
  size: number;
  mtimeMs: number;
  path?: string;
}

/**
 * All files of a manifest as one "virtual stream" of chunks, numbered globally in manifest order
 * (see {@link layoutChunks}: chunks never span files). Any chunk is read with one positional
 * `FileHandle.read`, so a restarted sender resumes at chunk k without touching chunks 0..k-1, and
 * memory is one chunk regardless of file size. One file handle is open at a time.
 *
 * Each file is checked against the manifest (size and mtime) when opened: if it changed since the
 * manifest was built the read fails with `source_changed` instead of sending bytes that will fail
 * the receiver's whole-file hash after 40 GB.
 *
 * @example
 * const { files } = await enumerateFiles('/home/me/photos');
 * const source = new FileChunkSource(files, 64 * 1024);
 * const buf = new Uint8Array(64 * 1024);
 * const bytes = await source.readChunk(resumeAt, buf);
 * await source.close();
 */
export class FileChunkSource implements ChunkSource {
  readonly layout: ChunkLayout;
  readonly #files: readonly SourceFileRef[];
  #handle: { fileIndex: number; fh: FileHandle } | undefined;
  // Reads are serialized so that switching files never closes a handle another read is using.
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(files: readonly SourceFileRef[], chunkSize: number) {
    this.#files = files;
    this.layout = layoutChunks(
      files.map((f) => f.size),
      chunkSize,
    );
  }

  get chunkCount(): number {
    return this.layout.chunkCount;
  }

  readChunk(index: number, into?: Uint8Array): Promise<Uint8Array> {
    const run = this.#queue.then(() => this.#read(index, into));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Whole-file digest of file `fileIndex` for the manifest (streamed through one reusable buffer).
   *
   * @example
   * const digest = await source.fileDigest(0, blake2b);
   */
  async fileDigest(fileIndex: number, hasher: HasherFactory): Promise<Uint8Array> {
    const first = this.layout.firstChunk[fileIndex];
    const count = this.layout.chunkCounts[fileIndex];
    if (first === undefined || count === undefined) throw new RangeError(`no file ${fileIndex}`);
    const chain = new FileHashChain(hasher);
    const buf = new Uint8Array(this.layout.chunkSize);
    for (let i = first; i < first + count; i++) chain.push(await this.readChunk(i, buf));
    return chain.digest();
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#queue;
    await this.#handle?.fh.close();
    this.#handle = undefined;
  }

  async #read(index: number, into: Uint8Array | undefined): Promise<Uint8Array> {
    if (this.#closed) throw new FileError('closed', 'source is closed');
    const loc = locateChunk(this.layout, index);
    if (into !== undefined && into.length < loc.length) throw new RangeError('buffer smaller than the chunk');
    const out = into === undefined ? new Uint8Array(loc.length) : into.subarray(0, loc.length);
    if (loc.length === 0) return out;
    const fh = await this.#open(loc.fileIndex);
    let done = 0;
    while (done < loc.length) {
      const { bytesRead } = await fh.read(out, done, loc.length - done, loc.offset + done);
      if (bytesRead === 0) throw this.#changed(loc.fileIndex, 'file is shorter than in the manifest');
      done += bytesRead;
    }
    return out;
  }

  async #open(fileIndex: number): Promise<FileHandle> {
    if (this.#handle?.fileIndex === fileIndex) return this.#handle.fh;
    await this.#handle?.fh.close();
    this.#handle = undefined;
    const file = this.#files[fileIndex] as SourceFileRef;
    const fh = await open(file.absolutePath, 'r');
    const info = await fh.stat();
    if (info.size !== file.size || Math.trunc(info.mtimeMs) !== Math.trunc(file.mtimeMs)) {
      await fh.close();
      throw this.#changed(fileIndex, 'size or mtime differ from the manifest');
    }
    this.#handle = { fileIndex, fh };
    return fh;
  }

  #changed(fileIndex: number, why: string): FileError {
    const f = this.#files[fileIndex];
    const path = f?.path ?? f?.absolutePath ?? String(fileIndex);
    return new FileError('source_changed', `${why}: ${path}`, { path });
  }
}
