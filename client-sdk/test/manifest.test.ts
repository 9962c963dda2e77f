import { beforeAll, describe, expect, it } from 'vitest';
import { nodeAead } from '../src/crypto/aead-node.ts';
import {
  createManifest,
  decryptManifest,
  encryptManifest,
  MANIFEST_PAD_BYTES,
  Manifest,
  type ManifestFile,
  manifestChunkCount,
} from '../src/crypto/manifest.ts';
import { loadSodium } from '../src/crypto/sodium.ts';
import { createStream, type StreamContext } from '../src/crypto/stream.ts';
import { HypersendError } from '../src/errors.ts';

const H = 'ab'.repeat(64);
const file = (path: string, size = 1): ManifestFile => ({ path, size, mtime: 1, blake2b: H });

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return HypersendError.is(err) ? err.code : String(err);
  }
  return undefined;
}

describe('manifest', () => {
  let ctx: StreamContext;
  beforeAll(async () => {
    await loadSodium();
    ctx = createStream(nodeAead, new Uint8Array(32).fill(1), 't_m');
  });

  it('computes totals with chunks that never span files (empty files own one chunk)', () => {
    const m = createManifest({
      transferId: 't_m',
      chunkSize: 65536,
      files: [file('a', 0), file('b', 65537), file('c', 65536)],
    });
    expect(m.totalSize).toBe(131073);
    expect(m.chunkCount).toBe(1 + 2 + 1);
    expect(manifestChunkCount([{ size: 0 }], 65536)).toBe(1);
  });

  it('round-trips and pads ciphertext to 256-byte buckets (plus tag)', () => {
    const m = createManifest({
      transferId: 't_m',
      chunkSize: 65536,
      files: [file('dir/a.txt'), { ...file('b'), mode: 0o755 }],
    });
    const sealed = encryptManifest(ctx, m);
    expect((sealed.length - 16) % MANIFEST_PAD_BYTES).toBe(0);
    expect(decryptManifest(ctx, sealed)).toEqual(m);
    const longer = createManifest({
      transferId: 't_m',
      chunkSize: 65536,
      files: [file('dir/a.txt'), file('bb')],
    });
    expect(encryptManifest(ctx, longer).length).toBe(sealed.length);
  });

  it('rejects unsafe or conflicting paths', () => {
    for (const path of ['/abs', 'a//b', './a', 'a/../b', '..', 'a\\b', 'a\0b', 'trailing/', '']) {
      expect(
        codeOf(() => createManifest({ transferId: 't_m', chunkSize: 65536, files: [file(path)] })),
        path,
      ).toBe('bad_manifest');
    }
    for (const files of [
      [file('a'), file('a')],
      [file('a'), file('a/b')],
      [file('a/b'), file('a')],
    ]) {
      expect(codeOf(() => createManifest({ transferId: 't_m', chunkSize: 65536, files }))).toBe(
        'bad_manifest',
      );
    }
  });

  it('rejects inconsistent or out-of-range fields', () => {
    const m = createManifest({ transferId: 't_m', chunkSize: 65536, files: [file('a', 10)] });
    expect(Manifest.safeParse({ ...m, totalSize: 11 }).success).toBe(false);
    expect(Manifest.safeParse({ ...m, chunkCount: 2 }).success).toBe(false);
    expect(Manifest.safeParse({ ...m, chunkSize: 1024 }).success).toBe(false);
    expect(Manifest.safeParse({ ...m, version: 2 }).success).toBe(false);
    expect(Manifest.safeParse({ ...m, extra: 1 }).success).toBe(false);
    expect(
      Manifest.safeParse({ ...m, files: [{ ...file('a', 10), blake2b: 'AB'.repeat(64) }] }).success,
    ).toBe(false);
    expect(Manifest.safeParse({ ...m, files: [{ ...file('a', 10), mode: 0o10000 }] }).success).toBe(false);
    expect(Manifest.safeParse({ ...m, files: [] }).success).toBe(false);
  });

  it('refuses to encrypt a manifest for another transfer', () => {
    const m = createManifest({ transferId: 't_other', chunkSize: 65536, files: [file('a')] });
    expect(codeOf(() => encryptManifest(ctx, m))).toBe('bad_manifest');
  });

  it('authentic but invalid plaintext is bad_manifest, not a crash', async () => {
    const { sealManifestBytes } = await import('../src/crypto/stream.ts');
    expect(
      codeOf(() => decryptManifest(ctx, sealManifestBytes(ctx, new TextEncoder().encode('{"version":1}')))),
    ).toBe('bad_manifest');
    expect(codeOf(() => decryptManifest(ctx, sealManifestBytes(ctx, new Uint8Array([0xff, 0xfe]))))).toBe(
      'bad_manifest',
    );
  });
});
