// Browser replacement of files/file-source.ts (package.json "browser" map): chunks are read with
// `Blob.slice(...).arrayBuffer()`, so only the chunks in flight are ever in memory.
import { FileHashChain } from '../files/chunk-hash.ts';
import { type ChunkLayout, layoutChunks, locateChunk } from '../files/chunk-layout.ts';
import type { ChunkSource, HasherFactory } from '../files/chunk-types.ts';
import { FileError } from '../files/file-error.ts';

/** What the source needs about each file: its Blob (see blob-files.ts) and manifest size. */
export interface SourceFileRef {
  absolutePath: string;
  size: number;
  mtimeMs: number;
  path?: string;
  blob?: Blob;
}

/**
 * All files of a manifest as one numbered chunk sequence (same layout as Node's FileChunkSource),
 * read from `File`/`Blob` slices. A `File` whose underlying disk file changed after it was picked
 * fails to read (Chromium: `NotReadableError`): that is `source_changed`, as in Node.
 *
 * @example
 * const { files } = await enumerateFiles([file]);
 * const source = new FileChunkSource(files, 64 * 1024);
 * const bytes = await source.readChunk(0);
 */
export class FileChunkSource implements ChunkSource {
  readonly layout: ChunkLayout;
  readonly #files: readonly SourceFileRef[];
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

  async readChunk(index: number, into?: Uint8Array): Promise<Uint8Array> {
    if (this.#closed) throw new FileError('closed', 'source is closed');
    const loc = locateChunk(this.layout, index);
    if (into !== undefined && into.length < loc.length) throw new RangeError('buffer smaller than the chunk');
    const out = into === undefined ? new Uint8Array(loc.length) : into.subarray(0, loc.length);
    if (loc.length === 0) return out;
    const file = this.#files[loc.fileIndex] as SourceFileRef;
    const blob = file.blob;
    if (blob === undefined) throw new FileError('io', `no Blob for ${file.path ?? file.absolutePath}`);
    if (blob.size !== file.size) throw this.#changed(loc.fileIndex, 'size differs from the manifest');
    let bytes: ArrayBuffer;
    try {
      bytes = await blob.slice(loc.offset, loc.offset + loc.length).arrayBuffer();
    } catch (cause) {
      throw this.#changed(loc.fileIndex, `unreadable (${(cause as Error).name ?? 'error'})`);
    }
    if (bytes.byteLength !== loc.length) throw this.#changed(loc.fileIndex, 'short read');
    out.set(new Uint8Array(bytes));
    return out;
  }

  /**
   * Whole-file digest of file `fileIndex` for the manifest, one chunk at a time.
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
  }

  #changed(fileIndex: number, why: string): FileError {
    const f = this.#files[fileIndex];
    const path = f?.path ?? f?.absolutePath ?? String(fileIndex);
    return new FileError('source_changed', `${why}: ${path}`, { path });
  }
}
