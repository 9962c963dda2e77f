// Browser: the receive sink of the capped in-memory target (no OPFS, or `receiveTargets.useMemory`).
import { constantTimeEqual } from '../encoding.ts';
import { FileHashChain } from '../files/chunk-hash.ts';
import { type ChunkLayout, layoutChunks, locateChunk } from '../files/chunk-layout.ts';
import type { ChunkSink } from '../files/chunk-types.ts';
import { FileError } from '../files/file-error.ts';
import { SinkQueue } from '../files/sink-queue.ts';
import type { FileWriter, ReceiveDirectory } from './receive-targets.ts';
import type { IncomingFile, TransferSinkOptions } from './transfer-sink.ts';

/**
 * Receives a manifest's chunks in order into the capped in-memory target. Nothing survives a
 * reload, so there is no progress record: `commitThrough` acknowledges what was written and a new
 * page starts over. (Picked folders and OPFS resume: staged-sink.ts.)
 *
 * @example
 * const sink = await MemorySink.open(options, await receiveTargets.resolve('small'), segments);
 * await sink.write(0, bytes);
 * await sink.finish();
 */
export class MemorySink implements ChunkSink {
  readonly layout: ChunkLayout;
  readonly #o: TransferSinkOptions;
  readonly #dir: ReceiveDirectory;
  readonly #segments: readonly string[][];
  #accepted = 0;
  #current: { fileIndex: number; writer: FileWriter; hash: FileHashChain } | undefined;
  readonly #ops = new SinkQueue('sink is closed');

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
   * Reserve the whole manifest up front so an oversize offer fails before the first chunk.
   *
   * @throws HypersendError `payload_too_large`.
   */
  static async open(
    o: TransferSinkOptions,
    dir: ReceiveDirectory,
    segments: string[][],
  ): Promise<MemorySink> {
    const total = o.files.reduce((n, f) => n + f.size, 0);
    const probe = await dir.create(['.hypersend-reserve'], total, true);
    await probe.abort();
    return new MemorySink(o, dir, segments);
  }

  /** Where the sender should start: always 0 on a new page (see the class comment). */
  get nextChunk(): number {
    return this.#accepted;
  }

  write(index: number, bytes: Uint8Array): Promise<void> {
    return this.#ops.run(() => this.#write(index, bytes));
  }

  commitThrough(_index: number): Promise<number> {
    return this.#ops.run(async () => this.#accepted);
  }

  finish(): Promise<void> {
    return this.#ops.run(async () => {
      if (this.#accepted !== this.layout.chunkCount)
        throw new FileError(
          'out_of_order',
          `transfer incomplete: ${this.#accepted}/${this.layout.chunkCount} chunks`,
        );
      this.#ops.markClosed();
    });
  }

  async abort(): Promise<void> {
    await this.#ops.drain();
    const cur = this.#current;
    this.#current = undefined;
    await cur?.writer.abort();
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
