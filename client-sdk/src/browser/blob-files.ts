// Browser replacement of files/enumerate-files.ts (package.json "browser" map): the "paths" a
// browser sends are File/Blob objects, read later in slices by blob-chunk-source.ts.
import { sanitizeRelativePath } from '../files/safe-path.ts';

/** What the manifest says about one file (same shape as the Node module's). */
export interface ManifestEntry {
  path: string;
  size: number;
  mtimeMs: number;
  mode: number;
}

/** A manifest entry plus the Blob the sender reads it from. */
export interface SourceFile extends ManifestEntry {
  /** Kept for the shared sender code, which names files by it in errors. */
  absolutePath: string;
  blob: Blob;
}

/** Something offered but not sent, and why. */
export interface SkippedEntry {
  absolutePath: string;
  reason: 'unsafe_name' | 'duplicate_name' | 'unreadable';
  detail?: string;
}

/**
 * Turn picked or dropped files into manifest entries. A `File` is named by its
 * `webkitRelativePath` (folder picks) or its `name`; a bare `Blob` is named `blob-<n>`. Names go
 * through the same sanitizer as in Node, so the manifest carries what receivers accept; names
 * that collide case-insensitively are skipped like in Node.
 *
 * @example
 * const { files } = await enumerateFiles([...input.files]);
 */
export async function enumerateFiles(
  inputs: Blob | readonly (Blob | string)[],
): Promise<{ files: SourceFile[]; skipped: SkippedEntry[] }> {
  const list = Array.isArray(inputs) ? (inputs as readonly (Blob | string)[]) : [inputs as Blob];
  const files: SourceFile[] = [];
  const skipped: SkippedEntry[] = [];
  const seen = new Set<string>();
  list.forEach((item, i) => {
    if (!(item instanceof Blob)) {
      skipped.push({
        absolutePath: String(item),
        reason: 'unreadable',
        detail: 'browsers send File or Blob objects',
      });
      return;
    }
    const file = item instanceof File ? item : undefined;
    const name = file ? file.webkitRelativePath || file.name : `blob-${i}`;
    const safe = sanitizeRelativePath(name);
    if (!safe.ok) {
      skipped.push({ absolutePath: name, reason: 'unsafe_name', detail: safe.reason });
      return;
    }
    const key = safe.path.toLowerCase();
    if (seen.has(key)) {
      skipped.push({ absolutePath: name, reason: 'duplicate_name', detail: safe.path });
      return;
    }
    seen.add(key);
    files.push({
      absolutePath: name,
      path: safe.path,
      size: item.size,
      mtimeMs: file ? file.lastModified : Date.now(),
      mode: 0o644,
      blob: item,
    });
  });
  return { files, skipped };
}
