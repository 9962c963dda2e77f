// Node-only: the filesystem half of path safety. The string half is safe-path.ts (browser-safe).
import { lstat, mkdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { FileError } from './file-error.ts';

export interface ResolveOptions {
  /** Create missing intermediate directories (one at a time, each checked). Default false. */
  createDirs?: boolean;
  /** Mode for created directories. Default 0o755 (minus umask). */
  dirMode?: number;
}

/** True when `child` is `root` or below it (both absolute, already resolved). */
export function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}

/**
 * Turns sanitized segments into an absolute path that is guaranteed to be inside `rootDir`.
 *
 * The root is resolved with `realpath`. Each existing intermediate directory is `lstat`ed: a symlink
 * is allowed only if its `realpath` is still inside the root (otherwise `path_escape`); a
 * non-directory gives `not_a_directory`. The leaf itself is never followed: the sink installs with
 * `link`/`rename`, which act on the name, so a symlink at the final name is replaced (with overwrite)
 * or reported as `file_exists`, and whatever it points to is never written.
 *
 * What it does not guard against: another local process with write access to the target directory
 * swapping a checked directory for a symlink between this check and the write. The threat here is
 * the remote peer, who controls names only.
 *
 * @example
 * const ok = sanitizeRelativePath('photos/cat.jpg');
 * if (ok.ok) await resolveInside('/home/me/Downloads', ok.segments, { createDirs: true });
 * // '/home/me/Downloads/photos/cat.jpg'
 */
export async function resolveInside(
  rootDir: string,
  segments: readonly string[],
  options: ResolveOptions = {},
): Promise<string> {
  const display = segments.join('/');
  if (segments.length === 0) throw new FileError('unsafe_path', 'empty path', { path: display });
  for (const s of segments) {
    // Defence in depth: callers should pass sanitizeRelativePath output, but this function is the guarantee.
    if (s === '' || s === '.' || s === '..' || /[/\\\0]/u.test(s)) {
      throw new FileError('unsafe_path', `unsafe segment ${JSON.stringify(s)}`, { path: display });
    }
  }
  const root = await realpath(rootDir);
  if (!(await stat(root)).isDirectory())
    throw new FileError('not_a_directory', `not a directory: ${rootDir}`);

  let current = root;
  const dirs = segments.slice(0, -1);
  for (let i = 0; i < dirs.length; i++) {
    const next = join(current, dirs[i] as string);
    const info = await lstatOrUndefined(next);
    if (info === undefined) {
      // Nothing below a missing directory can be a symlink, so without createDirs the rest is safe as is.
      if (!options.createDirs) return join(next, ...segments.slice(i + 1));
      await mkdir(next, { mode: options.dirMode ?? 0o755 }).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw e;
      });
      i -= 1; // re-check what is there now (ours, or whatever won a race)
      continue;
    }
    if (info.isSymbolicLink()) {
      const target = await realpath(next);
      if (!isInside(root, target)) throw FileError.pathEscape(display, 'symlink points outside');
      if (!(await stat(target)).isDirectory()) throw notADirectory(display);
      current = target;
    } else if (info.isDirectory()) {
      current = next;
    } else {
      throw notADirectory(display);
    }
  }
  const result = join(current, segments[segments.length - 1] as string);
  if (!isInside(root, result)) throw FileError.pathEscape(display, 'resolved outside');
  return result;
}

function notADirectory(path: string): FileError {
  return new FileError('not_a_directory', `a path component is not a directory: ${path}`, { path });
}

async function lstatOrUndefined(p: string) {
  try {
    return await lstat(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
