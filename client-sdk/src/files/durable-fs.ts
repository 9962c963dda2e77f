// Node-only helpers for crash-safe file updates.
import { open, rename, rm } from 'node:fs/promises';

/**
 * fsyncs a directory so that a rename, link or create inside it survives a power cut (on Linux a
 * renamed file's data can be durable while the new name is not). A no-op on Windows, where
 * directories cannot be opened for syncing.
 *
 * @example
 * await rename(tmp, final); await fsyncDir(dirname(final));
 */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Replaces `path` with `bytes` atomically: write `path.tmp` (mode 0600), fsync, rename, fsync the
 * directory. A crash leaves either the old content or the new one, never a torn file.
 *
 * @example
 * await writeFileAtomic(join(dir, 'progress.json'), new TextEncoder().encode(json), dir);
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array, dir: string): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  await rename(tmp, path);
  await fsyncDir(dir);
}
