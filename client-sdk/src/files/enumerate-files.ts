// Node-only: turns local files and folders into manifest entries.
import type { Dir, Stats } from 'node:fs';
import { lstat, opendir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { sanitizeRelativePath } from './safe-path.ts';

/** What the manifest says about one file. `path` is relative, `/`-separated, already sanitized. */
export interface ManifestEntry {
  path: string;
  size: number;
  mtimeMs: number;
  /** Permission bits (`mode & 0o777`); the receiver only honours the owner-execute bit. */
  mode: number;
}

/** A manifest entry plus where the sender reads it from. */
export interface SourceFile extends ManifestEntry {
  absolutePath: string;
}

/** Something found but not offered, and why (for the UI: "3 items were skipped"). */
export interface SkippedEntry {
  absolutePath: string;
  reason: 'symlink' | 'special_file' | 'unsafe_name' | 'duplicate_name' | 'symlink_cycle' | 'unreadable';
  detail?: string;
}

export interface EnumerateOptions {
  /**
   * Follow symlinks (to files and directories, with cycle detection). Default false: symlinks are
   * skipped and reported, because following one can silently offer files from outside the folder
   * the user picked.
   */
  followSymlinks?: boolean;
}

/**
 * Lists files to send. A file input becomes one entry named by its basename; a folder input becomes
 * `folder/…` entries for every regular file below it (depth-first, names in code-point order, so the
 * manifest order is deterministic and a restarted sender rebuilds the same manifest). Empty folders
 * are not represented. Sockets, FIFOs and devices are always skipped; symlinks unless followed.
 * Names are passed through {@link sanitizeRelativePath} so the manifest carries what the receiver
 * will accept; names it refuses are skipped, and so are names that collide case-insensitively.
 *
 * @example
 * const { files, skipped } = await enumerateFiles(['/home/me/photos', '/home/me/notes.txt']);
 * // files[0].path === 'photos/2024/cat.jpg', …, files.at(-1).path === 'notes.txt'
 */
export async function enumerateFiles(
  inputs: string | readonly string[],
  options: EnumerateOptions = {},
): Promise<{ files: SourceFile[]; skipped: SkippedEntry[] }> {
  const files: SourceFile[] = [];
  const skipped: SkippedEntry[] = [];
  const seen = new Set<string>();
  const follow = options.followSymlinks ?? false;

  const add = (absolutePath: string, rel: string, info: Stats): void => {
    const safe = sanitizeRelativePath(rel);
    if (!safe.ok) {
      skipped.push({ absolutePath, reason: 'unsafe_name', detail: safe.reason });
      return;
    }
    // Receivers on macOS/Windows fold case, so `A.txt` and `a.txt` would land on one file there.
    const key = safe.path.toLowerCase();
    if (seen.has(key)) {
      skipped.push({ absolutePath, reason: 'duplicate_name', detail: safe.path });
      return;
    }
    seen.add(key);
    files.push({
      absolutePath,
      path: safe.path,
      size: info.size,
      mtimeMs: info.mtimeMs,
      mode: info.mode & 0o777,
    });
  };

  const visit = async (absolutePath: string, rel: string, ancestors: readonly string[]): Promise<void> => {
    let info: Stats;
    try {
      info = await lstat(absolutePath);
      if (info.isSymbolicLink()) {
        if (!follow) {
          skipped.push({ absolutePath, reason: 'symlink' });
          return;
        }
        info = await stat(absolutePath);
      }
    } catch (e) {
      skipped.push({ absolutePath, reason: 'unreadable', detail: (e as Error).message });
      return;
    }
    if (info.isFile()) return add(absolutePath, rel, info);
    if (!info.isDirectory()) {
      skipped.push({ absolutePath, reason: 'special_file' });
      return;
    }
    const id = `${info.dev}:${info.ino}`;
    if (ancestors.includes(id)) {
      skipped.push({ absolutePath, reason: 'symlink_cycle' });
      return;
    }
    let names: string[];
    try {
      names = await readNames(await opendir(absolutePath));
    } catch (e) {
      skipped.push({ absolutePath, reason: 'unreadable', detail: (e as Error).message });
      return;
    }
    for (const name of names) await visit(join(absolutePath, name), `${rel}/${name}`, [...ancestors, id]);
  };

  for (const input of typeof inputs === 'string' ? [inputs] : inputs) {
    const absolutePath = resolve(input);
    await visit(absolutePath, basename(absolutePath), []);
  }
  return { files, skipped };
}

async function readNames(dir: Dir): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of dir) names.push(entry.name);
  // Code-point order, not locale order: the same on every machine.
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
