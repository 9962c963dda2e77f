// Node-only helpers shared by this folder's tests and the file-io bench. Not part of the SDK API.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HasherFactory } from './chunk-types.ts';
import type { SourceFile } from './enumerate-files.ts';
import { FileChunkSource } from './file-source.ts';
import type { IncomingFile } from './transfer-sink.ts';

/**
 * Stand-in for the crypto module's BLAKE2b (node:crypto's BLAKE2b-512), so these tests do not depend
 * on it. Production code must inject the shared implementation so Node and browsers agree.
 *
 * @example
 * new FileHashChain(blake2b512).digest();
 */
export const blake2b512: HasherFactory = () => {
  const h = createHash('blake2b512');
  return {
    update: (bytes) => void h.update(bytes),
    digest: () => new Uint8Array(h.digest()),
  };
};

/** A fresh temp directory and its cleanup. */
export async function tempDir(prefix = 'hs-files-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** SHA-256 of a file, hex (for byte-identity checks). */
export async function fileSha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/** Manifest entries with digests, as a sender would offer them. */
export async function offerFor(files: readonly SourceFile[], chunkSize: number): Promise<IncomingFile[]> {
  const source = new FileChunkSource(files, chunkSize);
  try {
    const out: IncomingFile[] = [];
    for (let i = 0; i < files.length; i++) {
      const f = files[i] as SourceFile;
      out.push({
        path: f.path,
        size: f.size,
        mtimeMs: f.mtimeMs,
        mode: f.mode,
        digest: await source.fileDigest(i, blake2b512),
      });
    }
    return out;
  } finally {
    await source.close();
  }
}
