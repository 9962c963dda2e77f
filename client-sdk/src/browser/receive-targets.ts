// Where a browser puts received files. `accept({ dir })` names a target: a folder the user picked
// (File System Access API), else a folder in the origin-private file system (OPFS), else memory
// with a hard cap. Files in OPFS or memory reach the user through a download link.
import { HypersendError } from '../errors.ts';
import { sanitizeRelativePath } from '../files/safe-path.ts';
import { batchedWriter, PART_SUFFIX } from './batched-writer.ts';

/** Default cap of the in-memory fallback: beyond it a transfer is refused before any byte. */
export const DEFAULT_MEMORY_CAP_BYTES = 64 * 1024 * 1024;

/** Writes one file; nothing appears under the final name until `close` succeeds. */
export interface FileWriter {
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

/** One receive folder, whatever stores it. */
export interface ReceiveDirectory {
  readonly kind: 'picked' | 'opfs' | 'memory';
  /** The folder's handle (picked and OPFS): partial data of a resumable receive is staged in it. */
  readonly root?: FileSystemDirectoryHandle;
  exists(segments: readonly string[]): Promise<boolean>;
  /** @throws HypersendError `payload_too_large` (memory cap), `io`. */
  create(segments: readonly string[], size: number, overwrite: boolean): Promise<FileWriter>;
  /** A received file, to show, hash or offer as a download. */
  read(segments: readonly string[]): Promise<File>;
  /** Delete a received file (frees OPFS quota or the memory cap); a missing file is not an error. */
  remove(segments: readonly string[]): Promise<void>;
}

const picked = new Map<string, FileSystemDirectoryHandle>();
const memory = new Map<string, MemoryDirectory>();

/**
 * Receive targets by name (the `dir` of `offer.accept`).
 *
 * @example
 * receiveTargets.usePickedDirectory('downloads', await showDirectoryPicker({ mode: 'readwrite' }));
 * offer.accept({ dir: 'downloads' });
 * receiveTargets.useMemory('small', 8 << 20); // refuses offers over 8 MiB with `payload_too_large`
 */
export const receiveTargets = {
  /** Receive into a folder the user picked (File System Access API, Chromium). */
  usePickedDirectory(name: string, handle: FileSystemDirectoryHandle): void {
    picked.set(name, handle);
  },
  /** Receive into memory, refusing anything larger than `capBytes` in total. */
  useMemory(name: string, capBytes = DEFAULT_MEMORY_CAP_BYTES): void {
    memory.set(name, new MemoryDirectory(capBytes));
  },
  /**
   * Resolve `name`: a picked folder, a memory target, else the OPFS folder of that name, else (no
   * OPFS) a memory target with {@link DEFAULT_MEMORY_CAP_BYTES}.
   */
  async resolve(name: string): Promise<ReceiveDirectory> {
    const segments = folderSegments(name); // one rule for every kind, so a name means the same everywhere
    const handle = picked.get(name);
    if (handle) return new HandleDirectory('picked', handle);
    const mem = memory.get(name);
    if (mem) return mem;
    const opfs = await opfsRoot();
    if (opfs) return new HandleDirectory('opfs', await descend(opfs, segments, true));
    const fallback = new MemoryDirectory(DEFAULT_MEMORY_CAP_BYTES);
    memory.set(name, fallback);
    return fallback;
  },
};

/**
 * A received file as a `File` (from the picked folder, OPFS or memory).
 *
 * @example
 * const file = await readReceivedFile('downloads', 'report.pdf');
 */
export async function readReceivedFile(dir: string, path: string): Promise<File> {
  return (await receiveTargets.resolve(dir)).read(path.split('/'));
}

/**
 * Delete a received file once the app is done with it: OPFS and memory are not the user's
 * Downloads folder, and files left there keep using quota (or the memory cap) until deleted.
 *
 * @example
 * await downloadReceivedFile('downloads', 'report.pdf');
 * await deleteReceivedFile('downloads', 'report.pdf');
 */
export async function deleteReceivedFile(dir: string, path: string): Promise<void> {
  await (await receiveTargets.resolve(dir)).remove(path.split('/'));
}

/**
 * Offer a received file to the user as a download (an object URL on a temporary `<a download>`).
 * The URL is revoked after the click has been handled.
 *
 * @example
 * await downloadReceivedFile('downloads', 'report.pdf');
 */
export async function downloadReceivedFile(dir: string, path: string): Promise<void> {
  const file = await readReceivedFile(dir, path);
  const url = URL.createObjectURL(file);
  const a = document.createElement('a');
  a.href = url;
  a.download = path.split('/').pop() ?? 'download';
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * The existing OPFS folder `name` (a receive target's name), or undefined when there is none or
 * no OPFS. Never creates anything: housekeeping of stale partials uses it.
 */
export async function existingOpfsFolder(name: string): Promise<FileSystemDirectoryHandle | undefined> {
  const root = await opfsRoot();
  if (root === undefined) return undefined;
  return descend(root, folderSegments(name), false).catch(() => undefined);
}

async function opfsRoot(): Promise<FileSystemDirectoryHandle | undefined> {
  try {
    return await globalThis.navigator?.storage?.getDirectory?.();
  } catch {
    return undefined; // e.g. private windows in some browsers
  }
}

/** A receive folder name as OPFS path segments, through the same rules as received file names. */
function folderSegments(name: string): string[] {
  const safe = sanitizeRelativePath(name);
  if (!safe.ok) throw new HypersendError('invalid_argument', `bad receive folder name (${safe.reason})`);
  return safe.path.split('/');
}

async function descend(
  root: FileSystemDirectoryHandle,
  segments: readonly string[],
  create: boolean,
): Promise<FileSystemDirectoryHandle> {
  let dir = root;
  for (const s of segments) dir = await dir.getDirectoryHandle(s, { create });
  return dir;
}

/** Chromium-only `FileSystemHandle.move`, not in TypeScript's DOM lib yet. */
type Movable = { move?: (name: string) => Promise<void> };

class HandleDirectory implements ReceiveDirectory {
  constructor(
    readonly kind: 'picked' | 'opfs',
    readonly root: FileSystemDirectoryHandle,
  ) {}

  async exists(segments: readonly string[]): Promise<boolean> {
    try {
      await this.read(segments);
      return true;
    } catch {
      return false;
    }
  }

  async read(segments: readonly string[]): Promise<File> {
    try {
      const dir = await descend(this.root, segments.slice(0, -1), false);
      return await (await dir.getFileHandle(segments.at(-1) as string)).getFile();
    } catch (err) {
      if ((err as DOMException).name === 'NotFoundError')
        throw new HypersendError('not_found', `no received file ${segments.join('/')}`);
      throw new HypersendError('io', String(err));
    }
  }

  async remove(segments: readonly string[]): Promise<void> {
    try {
      const dir = await descend(this.root, segments.slice(0, -1), false);
      await dir.removeEntry(segments.at(-1) as string);
    } catch (err) {
      if ((err as DOMException).name !== 'NotFoundError') throw new HypersendError('io', String(err));
    }
  }

  async create(segments: readonly string[], _size: number, overwrite: boolean): Promise<FileWriter> {
    const dir = await descend(this.root, segments.slice(0, -1), true);
    const name = segments.at(-1) as string;
    // Written under a temporary name, then moved: a partial file never carries the final name
    // (createWritable also stages into a swap file until close, so even the part stays empty).
    const part = await dir.getFileHandle(name + PART_SUFFIX, { create: true });
    const writer = batchedWriter(await part.createWritable({ keepExistingData: false }));
    return {
      write: writer.write,
      close: async () => {
        await writer.close();
        if (overwrite) await dir.removeEntry(name).catch(() => undefined);
        const movable = part as unknown as Movable;
        if (typeof movable.move !== 'function') {
          await dir.removeEntry(name + PART_SUFFIX).catch(() => undefined);
          throw new HypersendError('unsupported', 'this browser cannot rename files (FileSystemHandle.move)');
        }
        await movable.move(name);
      },
      abort: async () => {
        await writer.abort();
        await dir.removeEntry(name + PART_SUFFIX).catch(() => undefined);
      },
    };
  }
}

class MemoryDirectory implements ReceiveDirectory {
  readonly kind = 'memory';
  readonly #files = new Map<string, File>();
  #reserved = 0;

  constructor(readonly capBytes: number) {}

  async exists(segments: readonly string[]): Promise<boolean> {
    return this.#files.has(segments.join('/'));
  }

  async read(segments: readonly string[]): Promise<File> {
    const f = this.#files.get(segments.join('/'));
    if (!f) throw new HypersendError('not_found', `no received file ${segments.join('/')}`);
    return f;
  }

  async remove(segments: readonly string[]): Promise<void> {
    const key = segments.join('/');
    const f = this.#files.get(key);
    if (!f) return;
    this.#files.delete(key);
    this.#reserved -= f.size;
  }

  async create(segments: readonly string[], size: number, _overwrite: boolean): Promise<FileWriter> {
    const key = segments.join('/');
    const old = this.#files.get(key)?.size ?? 0;
    if (this.#reserved - old + size > this.capBytes) throw memoryCap(this.capBytes, size);
    this.#reserved += size;
    const parts: Uint8Array<ArrayBuffer>[] = [];
    let written = 0;
    let done = false;
    const release = (): void => {
      if (!done) this.#reserved -= size;
      done = true;
    };
    return {
      write: async (bytes) => {
        written += bytes.length;
        // The manifest size was reserved; a sender writing past it is refused, not buffered.
        if (written > size) throw memoryCap(this.capBytes, written);
        parts.push(bytes.slice() as Uint8Array<ArrayBuffer>);
      },
      close: async () => {
        done = true;
        if (this.#files.has(key)) this.#reserved -= old;
        this.#files.set(key, new File(parts, segments.at(-1) as string));
        parts.length = 0;
      },
      abort: async () => {
        parts.length = 0;
        release();
      },
    };
  }
}

function memoryCap(capBytes: number, bytes: number): HypersendError {
  return new HypersendError(
    'payload_too_large',
    `no disk storage in this browser, and ${bytes} bytes exceed the in-memory cap of ${capBytes}`,
    { details: { capBytes } },
  );
}
