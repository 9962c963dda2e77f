// Browser: partial data of a receive, in a picked folder or OPFS, under `.hypersend/<transferId>/`
// (the same reserved staging name as Node; no received name can be `.hypersend`). A browser makes
// a file durable only by closing its writable (`createWritable` stages into a swap file until
// `close`, and reopening with `keepExistingData` copies the whole file), so each file's partial
// data is a run of segment files `<fileIndex>-<firstLocalChunk>.seg`, each closed at an
// acknowledgement. A finished file is the segments joined: a single segment is moved into place,
// several are copied into `<name>.hypersend-part` (the browser copies Blob to disk, not through
// page memory) and that is moved to the final name.
import { FileError } from '../files/file-error.ts';
import { STAGING_DIR_NAME } from '../files/safe-path.ts';
import { batchedWriter, PART_SUFFIX } from './batched-writer.ts';
import type { PartSegment } from './progress-store.ts';

/** Chromium's `FileSystemHandle.move`, not in TypeScript's DOM lib yet. */
type Movable = {
  move?: ((name: string) => Promise<void>) &
    ((dir: FileSystemDirectoryHandle, name: string) => Promise<void>);
};

/** One open segment: bytes are batched into ~1 MiB writes; durable only after `close`. */
export interface SegmentWriter {
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

/** File name of the segment of file `fileIndex` that starts at local chunk `start`. */
export function segmentName(fileIndex: number, start: number): string {
  return `${fileIndex}-${start}.seg`;
}

/**
 * The staging folder of one transfer inside a receive folder.
 *
 * @example
 * const staging = await SegmentStaging.open(root, transferId);
 * const w = await staging.createSegment(0, 0);
 * await w.write(bytes);
 * await w.close(); // durable
 * await staging.install(0, [{ start: 0, chunks: 1, bytes: bytes.length }], ['a.bin'], bytes.length, { overwrite: false, redo: false });
 */
export class SegmentStaging {
  private constructor(
    private readonly root: FileSystemDirectoryHandle,
    private readonly outer: FileSystemDirectoryHandle,
    private readonly dir: FileSystemDirectoryHandle,
    private readonly transferId: string,
  ) {}

  static async open(root: FileSystemDirectoryHandle, transferId: string): Promise<SegmentStaging> {
    const outer = await root.getDirectoryHandle(STAGING_DIR_NAME, { create: true });
    const dir = await outer.getDirectoryHandle(transferId, { create: true });
    return new SegmentStaging(root, outer, dir, transferId);
  }

  /** Size of a segment file, or -1 when it is missing. */
  async segmentSize(fileIndex: number, start: number): Promise<number> {
    try {
      return (await (await this.dir.getFileHandle(segmentName(fileIndex, start))).getFile()).size;
    } catch {
      return -1;
    }
  }

  /** Start a segment (an earlier file of that name, never recorded as durable, is replaced). */
  async createSegment(fileIndex: number, start: number): Promise<SegmentWriter> {
    const handle = await this.dir.getFileHandle(segmentName(fileIndex, start), { create: true });
    return batchedWriter(await handle.createWritable({ keepExistingData: false }));
  }

  /** Delete every staged file whose name is not in `keep` (segments of a run that never recorded them). */
  async removeAllExcept(keep: ReadonlySet<string>): Promise<void> {
    const names: string[] = [];
    for await (const name of (this.dir as unknown as { keys(): AsyncIterable<string> }).keys())
      if (!keep.has(name)) names.push(name);
    for (const name of names) await this.dir.removeEntry(name, { recursive: true }).catch(() => undefined);
  }

  /** Delete the segments of one file. */
  async removeSegments(fileIndex: number, segments: readonly PartSegment[]): Promise<void> {
    for (const s of segments)
      await this.dir.removeEntry(segmentName(fileIndex, s.start)).catch(() => undefined);
  }

  /** Delete the whole staging folder (and `.hypersend` when no other transfer is staged there). */
  async removeAll(): Promise<void> {
    await this.outer.removeEntry(this.transferId, { recursive: true }).catch(() => undefined);
    await this.root.removeEntry(STAGING_DIR_NAME).catch(() => undefined); // fails while not empty
  }

  /**
   * Put a verified file's segments under its final name `target` (path segments inside the
   * receive folder). With `redo` (the record says an install was under way when the page went
   * away) a final file of the right size counts as installed.
   *
   * @throws FileError `file_exists` (without `overwrite`), `io`.
   */
  async install(
    fileIndex: number,
    segments: readonly PartSegment[],
    target: readonly string[],
    size: number,
    o: { overwrite: boolean; redo: boolean },
  ): Promise<void> {
    const { overwrite, redo } = o;
    let dir = this.root;
    for (const s of target.slice(0, -1)) dir = await dir.getDirectoryHandle(s, { create: true });
    const name = target.at(-1) as string;
    const existing = await dir
      .getFileHandle(name)
      .then((h) => h.getFile())
      .catch(() => undefined);
    if (existing !== undefined) {
      // Redoing an install cut short by a reload: names were checked free before the first byte,
      // so a final file of the right size is this transfer's; only the cleanup was left.
      if (redo && existing.size === size) return this.removeSegments(fileIndex, segments);
      if (!overwrite) throw FileError.fileExists(target.join('/'));
      await dir.removeEntry(name);
    }
    const handles = await Promise.all(
      segments.map((s) => this.dir.getFileHandle(segmentName(fileIndex, s.start))),
    );
    const only = handles.length === 1 ? (handles[0] as FileSystemFileHandle & Movable) : undefined;
    if (only && typeof only.move === 'function') {
      await only.move(dir, name);
      return;
    }
    // Several segments (or none, for an empty file): join them on disk under a temporary name.
    const part = (await dir.getFileHandle(name + PART_SUFFIX, { create: true })) as FileSystemFileHandle &
      Movable;
    const out = await part.createWritable({ keepExistingData: false });
    try {
      for (const h of handles) await out.write(await h.getFile());
      await out.close();
    } catch (err) {
      await out.abort().catch(() => undefined);
      await dir.removeEntry(name + PART_SUFFIX).catch(() => undefined);
      throw new FileError('io', `could not assemble ${target.join('/')}: ${String(err)}`);
    }
    if (typeof part.move !== 'function') {
      await dir.removeEntry(name + PART_SUFFIX).catch(() => undefined);
      throw new FileError('io', 'this browser cannot rename files (FileSystemHandle.move)');
    }
    await part.move(name);
    await this.removeSegments(fileIndex, segments);
  }
}
