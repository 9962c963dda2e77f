// Node-only: receiving end of a stream transfer (unknown length, no resume): one `.part` in the
// staging folder, appended in order, installed under the sanitized name after the final chunk.
import { type FileHandle, lstat, mkdir, open, realpath, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FileError } from '../files/file-error.ts';
import { installFile } from '../files/install-file.ts';
import { resolveInside } from '../files/resolve-inside.ts';
import { STAGING_DIR_NAME, sanitizeRelativePath } from '../files/safe-path.ts';

/** Options of {@link StreamSink.open}. */
export interface StreamSinkOptions {
  rootDir: string;
  transferId: string;
  name: string;
  overwrite?: boolean;
}

/**
 * @example
 * const sink = await StreamSink.open({ rootDir, transferId, name: 'log.txt' });
 * await sink.write(bytes); await sink.finish();
 */
export class StreamSink {
  bytes = 0;
  private constructor(
    private readonly fh: FileHandle,
    private readonly root: string,
    private readonly staging: string,
    private readonly segments: string[],
    private readonly overwrite: boolean,
  ) {}

  /** Refuses unsafe names and (without `overwrite`) an existing file before anything is written. */
  static async open(o: StreamSinkOptions): Promise<StreamSink> {
    const safe = sanitizeRelativePath(o.name);
    if (!safe.ok)
      throw new FileError('unsafe_path', `${safe.code}: ${safe.reason}`, { path: String(o.name) });
    const root = await realpath(o.rootDir);
    const finalPath = await resolveInside(root, safe.segments);
    if (!o.overwrite && (await exists(finalPath))) throw FileError.fileExists(safe.path);
    const staging = join(root, STAGING_DIR_NAME, o.transferId);
    await mkdir(staging, { recursive: true, mode: 0o700 });
    const fh = await open(join(staging, 'stream.part'), 'w', 0o600);
    return new StreamSink(fh, root, staging, safe.segments, o.overwrite ?? false);
  }

  /** Append; resolves once written (one write in flight: the stream path is not the fast path). */
  async write(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.fh.write(bytes, done, bytes.length - done, this.bytes + done);
      done += bytesWritten;
    }
    this.bytes += bytes.length;
  }

  /** fsync, install under the final name (no overwrite unless asked), remove staging. */
  async finish(): Promise<void> {
    await this.fh.sync();
    await this.fh.close();
    const finalPath = await resolveInside(this.root, this.segments, { createDirs: true });
    try {
      await installFile(join(this.staging, 'stream.part'), finalPath, {
        overwrite: this.overwrite,
        displayPath: this.segments.join('/'),
      });
    } finally {
      await this.#removeStaging();
    }
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await this.#removeStaging();
  }

  async #removeStaging(): Promise<void> {
    await rm(this.staging, { recursive: true, force: true });
    await rmdir(join(this.root, STAGING_DIR_NAME)).catch(() => undefined);
  }
}

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    (e: NodeJS.ErrnoException) => e.code !== 'ENOENT',
  );
}
