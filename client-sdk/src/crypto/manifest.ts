// The manifest: what is being sent, and how the chunk stream maps onto files. JSON inside the
// manifest nonce domain. See FORMAT.md §3.
import { Id } from '@hypersend/protocol';
import { z } from 'zod';
import { HypersendError } from '../errors.ts';
import { isValidChunkSize } from '../transfer/chunk-size.ts';
import { chunkCountFor, openManifestBytes, type StreamContext, sealManifestBytes } from './stream.ts';

/** Manifest format version. */
export const MANIFEST_VERSION = 1;
/** Largest manifest plaintext (after padding); bounds memory before authentication. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Largest number of files in one transfer. */
export const MAX_MANIFEST_FILES = 100_000;
/** Plaintext is padded with spaces to a multiple of this, so ciphertext length hides name lengths. */
export const MANIFEST_PAD_BYTES = 256;

// Structural check only: relative, '/'-separated, no empty, '.' or '..' segments, no NUL or
// backslash. The file layer (files/safe-path.ts) applies platform rules before writing anything.
function isRelativeSlashPath(p: string): boolean {
  if (p.includes('\\') || p.includes('\0')) return false;
  return p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

/** One file of a transfer. */
export const ManifestFile = z
  .object({
    /** Relative path, '/'-separated, e.g. `photos/2024/a.jpg`. */
    path: z.string().min(1).max(4096).refine(isRelativeSlashPath, 'expected a relative /-separated path'),
    /** Bytes. */
    size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    /** Modification time, milliseconds since the Unix epoch. */
    mtime: z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER),
    /** POSIX permission bits (0o7777 mask); absent when the source has none (browsers). */
    mode: z.number().int().min(0).max(0o7777).optional(),
    /**
     * Whole-file digest, lowercase hex (128 characters): the BLAKE2b-512 hash chain over the
     * file's chunks defined by files/chunk-hash.ts, so a resumed receiver need not re-read.
     */
    blake2b: z.string().regex(/^[0-9a-f]{128}$/, 'expected 128 lowercase hex digits'),
  })
  .strict();
/** One file of a transfer. */
export type ManifestFile = z.infer<typeof ManifestFile>;

/**
 * The manifest schema. Chunks never span files: file `f` owns `max(1, ceil(size / chunkSize))`
 * consecutive chunks (an empty file owns one empty chunk), files in manifest order, so
 * `chunkCount` is the sum of those counts (the layout of files/chunk-layout.ts).
 *
 * @example
 * const m = Manifest.parse(JSON.parse(text));
 */
export const Manifest = z
  .object({
    version: z.literal(MANIFEST_VERSION),
    transferId: Id,
    chunkSize: z.number().refine(isValidChunkSize, 'chunk size outside 16 KiB..1 MiB'),
    chunkCount: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    totalSize: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    files: z.array(ManifestFile).min(1).max(MAX_MANIFEST_FILES),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (sumSizes(m.files) !== m.totalSize) {
      ctx.addIssue({ code: 'custom', message: 'totalSize is not the sum of file sizes' });
    }
    if (m.chunkCount !== manifestChunkCount(m.files, m.chunkSize)) {
      ctx.addIssue({ code: 'custom', message: 'chunkCount does not match file sizes and chunkSize' });
    }
    const conflict = pathConflict(m.files.map((f) => f.path));
    if (conflict !== undefined) ctx.addIssue({ code: 'custom', message: `path conflict: ${conflict}` });
  });
/** A validated manifest. */
export type Manifest = z.infer<typeof Manifest>;

function sumSizes(files: readonly { size: number }[]): number {
  let total = 0;
  for (const f of files) total += f.size;
  return total;
}

/**
 * Chunks of a transfer: the sum over files of `max(1, ceil(size / chunkSize))`.
 *
 * @example
 * manifestChunkCount([{ size: 0 }, { size: 65537 }], 65536); // 3
 */
export function manifestChunkCount(files: readonly { size: number }[], chunkSize: number): number {
  let n = 0;
  for (const f of files) n += chunkCountFor(f.size, chunkSize);
  return n;
}

// A path listed twice, or used both as a file and as a directory of another file.
function pathConflict(paths: string[]): string | undefined {
  const files = new Set<string>();
  const dirs = new Set<string>();
  for (const p of paths) {
    if (files.has(p) || dirs.has(p)) return p;
    files.add(p);
    let i = p.indexOf('/');
    while (i !== -1) {
      const dir = p.slice(0, i);
      if (files.has(dir)) return dir;
      dirs.add(dir);
      i = p.indexOf('/', i + 1);
    }
  }
  return undefined;
}

/** Input of {@link createManifest}: the derived fields (sizes, count) are computed. */
export interface ManifestInput {
  transferId: string;
  chunkSize: number;
  files: ManifestFile[];
}

/**
 * Build and validate a manifest, computing `totalSize` and `chunkCount`.
 *
 * @example
 * const m = createManifest({ transferId, chunkSize: DEFAULT_CHUNK_SIZE,
 *   files: [{ path: 'a.txt', size: 5, mtime: Date.now(), blake2b: hex }] });
 * @throws HypersendError `bad_manifest`.
 */
export function createManifest(input: ManifestInput): Manifest {
  return parseManifest({
    version: MANIFEST_VERSION,
    transferId: input.transferId,
    chunkSize: input.chunkSize,
    chunkCount: manifestChunkCount(input.files, input.chunkSize),
    totalSize: sumSizes(input.files),
    files: input.files,
  });
}

function parseManifest(value: unknown): Manifest {
  const r = Manifest.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : 'manifest';
  throw HypersendError.badManifest(`${where}: ${issue?.message ?? 'invalid'}`, r.error);
}

// Fixed key order, so the same manifest always serialises to the same bytes (test vectors).
function canonicalJson(m: Manifest): string {
  return JSON.stringify({
    version: m.version,
    transferId: m.transferId,
    chunkSize: m.chunkSize,
    chunkCount: m.chunkCount,
    totalSize: m.totalSize,
    files: m.files.map((f) => ({
      path: f.path,
      size: f.size,
      mtime: f.mtime,
      ...(f.mode === undefined ? {} : { mode: f.mode }),
      blake2b: f.blake2b,
    })),
  });
}

/**
 * Serialise (canonical JSON, space-padded to a multiple of 256 bytes) and seal a manifest in the
 * manifest nonce domain of `ctx`.
 *
 * @example
 * const encrypted = encryptManifest(ctx, manifest);
 * @throws HypersendError `bad_manifest` if it does not belong to this transfer or is too large.
 */
export function encryptManifest(ctx: StreamContext, manifest: Manifest): Uint8Array {
  if (manifest.transferId !== ctx.transferId)
    throw HypersendError.badManifest('transferId does not match stream');
  const json = new TextEncoder().encode(canonicalJson(manifest));
  const padded = new Uint8Array(Math.ceil(json.length / MANIFEST_PAD_BYTES) * MANIFEST_PAD_BYTES).fill(0x20);
  if (padded.length > MAX_MANIFEST_BYTES) throw HypersendError.badManifest('manifest too large');
  padded.set(json);
  return sealManifestBytes(ctx, padded);
}

/**
 * Open, parse and validate a manifest sealed by {@link encryptManifest}.
 *
 * @example
 * const manifest = decryptManifest(ctx, encrypted);
 * @throws HypersendError `decrypt_failed` (wrong key/transfer, tampered, or a chunk presented as
 * manifest) or `bad_manifest` (authentic but invalid, or for another transfer).
 */
export function decryptManifest(ctx: StreamContext, sealed: Uint8Array): Manifest {
  if (sealed.length > MAX_MANIFEST_BYTES + 16) throw HypersendError.badManifest('manifest too large');
  const plain = openManifestBytes(ctx, sealed);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plain));
  } catch (cause) {
    throw HypersendError.badManifest('not UTF-8 JSON', cause);
  }
  const manifest = parseManifest(json);
  if (manifest.transferId !== ctx.transferId)
    throw HypersendError.badManifest('transferId does not match stream');
  return manifest;
}
