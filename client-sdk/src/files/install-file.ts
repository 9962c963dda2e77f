// Node-only: moves a verified `.part` to its final name without ever clobbering by accident.
import { link, lstat, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDir } from './durable-fs.ts';
import { FileError } from './file-error.ts';

export interface InstallOptions {
  /** Replace an existing file at `finalPath`. Default false. */
  overwrite?: boolean;
  /** Manifest path, for error messages. */
  displayPath?: string;
}

/**
 * Puts `partPath` under `finalPath` atomically; readers see either nothing (or the old file) or the
 * complete new file, never a prefix.
 *
 * - `overwrite: true`: `rename`, which atomically replaces the destination (a symlink there is
 *   replaced itself, its target is not written).
 * - `overwrite: false`: `link(part, final)` then `unlink(part)`. The race guarded against is
 *   check-then-rename: between "final does not exist" and `rename`, another program (a browser
 *   finishing a download, a second transfer) can create the file, and `rename` would silently destroy
 *   it. `link` fails with `EEXIST` atomically in the kernel, so the existing file is never touched.
 *   On filesystems without hard links (FAT, some network shares) we fall back to creating the final
 *   name with `O_EXCL` as a reservation and renaming over our own empty reservation; the remaining
 *   window (someone deleting our reservation and creating theirs before the rename) is documented.
 * - Idempotent after a crash: if `final` already is the same inode as `part` (crash between link and
 *   unlink), only the unlink is redone; if `part` is gone, the install already happened.
 *
 * @example
 * await installFile('/dl/.hypersend/t1/0.part', '/dl/report.pdf', { overwrite: false });
 */
export async function installFile(
  partPath: string,
  finalPath: string,
  options: InstallOptions = {},
): Promise<void> {
  const display = options.displayPath ?? finalPath;
  const part = await lstatOrUndefined(partPath);
  if (part === undefined) {
    if ((await lstatOrUndefined(finalPath)) !== undefined) return; // installed before a crash
    throw new FileError('io', `nothing to install: ${display}`, { path: display });
  }
  try {
    if (options.overwrite) {
      await rename(partPath, finalPath);
    } else {
      await linkNoReplace(partPath, finalPath, display);
      await unlink(partPath);
    }
  } catch (e) {
    if (e instanceof FileError) throw e;
    throw new FileError('io', `install failed: ${display}`, { cause: e, path: display });
  }
  await fsyncDir(dirname(finalPath));
  await fsyncDir(dirname(partPath));
}

async function linkNoReplace(partPath: string, finalPath: string, display: string): Promise<void> {
  try {
    await link(partPath, finalPath);
    return;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      const [a, b] = await Promise.all([lstat(partPath), lstatOrUndefined(finalPath)]);
      if (b !== undefined && a.ino === b.ino && a.dev === b.dev) return; // our own link from before a crash
      throw FileError.fileExists(display);
    }
    if (
      code !== 'EPERM' &&
      code !== 'ENOTSUP' &&
      code !== 'EOPNOTSUPP' &&
      code !== 'ENOSYS' &&
      code !== 'EMLINK'
    ) {
      throw e;
    }
  }
  // No hard links here: reserve the name exclusively, then replace our own reservation.
  try {
    await (await open(finalPath, 'wx', 0o600)).close();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw FileError.fileExists(display);
    throw e;
  }
  await rename(partPath, finalPath);
}

async function lstatOrUndefined(p: string) {
  try {
    return await lstat(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
