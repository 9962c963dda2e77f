// One contract suite, run against every crypto backend: byte equality with the committed vectors
// (so node:crypto and libsodium provably agree) and every tamper case failing with the typed error.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { AEAD_TAG_BYTES } from '../src/crypto/aead.ts';
import type { CryptoBackend } from '../src/crypto/backend.ts';
import { loadCryptoBackend as loadNode } from '../src/crypto/backend-node.ts';
import { loadCryptoBackend as loadSodium } from '../src/crypto/backend-sodium.ts';
import { decryptManifest, encryptManifest, Manifest } from '../src/crypto/manifest.ts';
import {
  createStream,
  decryptChunk,
  encryptChunk,
  encryptChunkInto,
  openManifestBytes,
  type StreamContext,
} from '../src/crypto/stream.ts';
import { fromHex, toHex } from '../src/encoding.ts';
import { HypersendError } from '../src/errors.ts';
import {
  type AeadVectors,
  type Blake2bVectors,
  type ManifestVectors,
  type PlaintextSpec,
  pattern,
  readVectors,
  type SealedSpec,
  type StreamVectors,
} from './vectors.ts';

const aeadV = readVectors<AeadVectors>('aead.json');
const streamV = readVectors<StreamVectors>('stream.json');
const manifestV = readVectors<ManifestVectors>('manifest.json');
const blakeV = readVectors<Blake2bVectors>('blake2b.json');

// Buffer#equals instead of toEqual: deep-equality over 64 KiB arrays costs a second per assertion.
const view = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const expectBytes = (actual: Uint8Array, expected: Uint8Array): void => {
  expect(actual.length).toBe(expected.length);
  expect(view(actual).equals(view(expected)), 'bytes differ').toBe(true);
};

const bytesOf = (p: PlaintextSpec): Uint8Array =>
  'hex' in p ? fromHex(p.hex) : pattern(p.pattern.length, p.pattern.seed);

function expectCode(fn: () => unknown, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(HypersendError.is(caught), `expected HypersendError ${code}, got ${String(caught)}`).toBe(true);
  expect((caught as HypersendError).code).toBe(code);
}

describe.each([
  ['node', loadNode],
  ['sodium', loadSodium],
] as const)('crypto backend contract: %s', (name, load) => {
  let backend: CryptoBackend;
  let ctx: StreamContext;
  const key = fromHex(streamV.transferKey);

  const matches = (sealed: Uint8Array, spec: SealedSpec): void => {
    if ('hex' in spec) expect(toHex(sealed)).toBe(spec.hex);
    else {
      expect(sealed.length).toBe(spec.length);
      expect(toHex(backend.createFileHasher().update(sealed).digest())).toBe(spec.blake2b512);
    }
  };

  beforeAll(async () => {
    backend = await load();
    ctx = createStream(backend.aead, key, streamV.transferId);
  });

  it('identifies itself', () => {
    expect(backend.name).toBe(name);
    expect(backend.aead.name).toBe(name);
  });

  describe('AEAD vectors (RFC 8439 and cross-implementation)', () => {
    for (const c of aeadV.cases) {
      it(`${c.name}: seal, sealInto and open`, () => {
        const [k, n, a, pt] = [fromHex(c.key), fromHex(c.nonce), fromHex(c.aad), bytesOf(c.plaintext)];
        const sealed = backend.aead.seal(k, n, pt, a);
        matches(sealed, c.sealed);
        const out = new Uint8Array(pt.length + AEAD_TAG_BYTES + 7).fill(0xee);
        expect(backend.aead.sealInto(k, n, pt, a, out, 3)).toBe(sealed.length);
        expectBytes(out.subarray(3, 3 + sealed.length), sealed);
        expect(out[2]).toBe(0xee);
        expect(out[out.length - 1]).toBe(0xee);
        expectBytes(backend.aead.open(k, n, sealed, a), pt);
        if (a.length > 0) expectCode(() => backend.aead.open(k, n, sealed), 'decrypt_failed');
      });
    }

    it('rejects wrong-length keys and nonces as invalid arguments, short input as decrypt_failed', () => {
      const k = new Uint8Array(32);
      const n = new Uint8Array(12);
      expectCode(() => backend.aead.seal(new Uint8Array(31), n, new Uint8Array(1)), 'invalid_argument');
      expectCode(() => backend.aead.seal(k, new Uint8Array(24), new Uint8Array(1)), 'invalid_argument');
      expectCode(() => backend.aead.open(k, n, new Uint8Array(15)), 'decrypt_failed');
      expectCode(
        () => backend.aead.sealInto(k, n, new Uint8Array(10), undefined, new Uint8Array(25), 0),
        'invalid_argument',
      );
    });
  });

  describe('STREAM chunk vectors', () => {
    it('derives the vector subkey', () => {
      expect(toHex(ctx.key)).toBe(streamV.subkey);
    });

    for (const c of streamV.chunks) {
      it(`${c.name}: encrypts to the vector bytes and decrypts back`, () => {
        const pt = bytesOf(c.plaintext);
        const sealed = encryptChunk(ctx, c.index, c.final, pt);
        matches(sealed, c.sealed);
        const framed = new Uint8Array(sealed.length + 11);
        encryptChunkInto(ctx, c.index, c.final, pt, framed, 11);
        expectBytes(framed.subarray(11), sealed);
        expectBytes(decryptChunk(ctx, c.index, c.final, sealed), pt);
      });
    }
  });

  describe('tampering fails with decrypt_failed', () => {
    const pts = [pattern(1000, 7), pattern(1000, 8), pattern(500, 9)];
    const sealedAll = (): Uint8Array[] => pts.map((p, i) => encryptChunk(ctx, i, i === pts.length - 1, p));

    it('a flipped bit anywhere (ciphertext or tag)', () => {
      const [c0] = sealedAll();
      for (const pos of [0, 1, 500, 999, 1000, 1015]) {
        const bad = c0!.slice();
        bad[pos]! ^= 0x01;
        expectCode(() => decryptChunk(ctx, 0, false, bad), 'decrypt_failed');
      }
    });

    it('swapped indices (reordering)', () => {
      const [c0, c1] = sealedAll();
      expectCode(() => decryptChunk(ctx, 1, false, c0!), 'decrypt_failed');
      expectCode(() => decryptChunk(ctx, 0, false, c1!), 'decrypt_failed');
    });

    it('a duplicated chunk presented at the next position', () => {
      const [c0] = sealedAll();
      expectCode(() => decryptChunk(ctx, 1, false, c0!), 'decrypt_failed');
    });

    it('dropping the final chunk: a non-final chunk presented as final (truncation)', () => {
      const [, c1] = sealedAll();
      expectCode(() => decryptChunk(ctx, 1, true, c1!), 'decrypt_failed');
    });

    it('a final chunk presented as non-final (extension)', () => {
      const c2 = sealedAll()[2]!;
      expectCode(() => decryptChunk(ctx, 2, false, c2), 'decrypt_failed');
    });

    it('truncated ciphertext (shortened by 1 byte, by a tag, to nothing)', () => {
      const [c0] = sealedAll();
      expectCode(() => decryptChunk(ctx, 0, false, c0!.subarray(0, c0!.length - 1)), 'decrypt_failed');
      expectCode(() => decryptChunk(ctx, 0, false, c0!.subarray(0, c0!.length - 16)), 'decrypt_failed');
      expectCode(() => decryptChunk(ctx, 0, false, new Uint8Array(0)), 'decrypt_failed');
    });

    it('wrong transfer id (same key) and wrong key (same transfer id)', () => {
      const [c0] = sealedAll();
      const otherId = createStream(backend.aead, key, 't_vector-0002');
      const wrongKey = key.slice();
      wrongKey[31]! ^= 0x80;
      const otherKey = createStream(backend.aead, wrongKey, streamV.transferId);
      expectCode(() => decryptChunk(otherId, 0, false, c0!), 'decrypt_failed');
      expectCode(() => decryptChunk(otherKey, 0, false, c0!), 'decrypt_failed');
    });

    it('carries the index and flag in the error details', () => {
      try {
        decryptChunk(ctx, 5, true, new Uint8Array(20));
        expect.unreachable();
      } catch (err) {
        expect(HypersendError.is(err, 'decrypt_failed')).toBe(true);
        expect((err as HypersendError).details).toEqual({ index: 5, final: true });
      }
    });

    it('domain separation: a chunk is not a manifest and a manifest is not a chunk', () => {
      const chunk0Final = encryptChunk(ctx, 0, true, pattern(64, 1));
      expectCode(() => openManifestBytes(ctx, chunk0Final), 'decrypt_failed');
      const sealedManifest = fromHex(manifestV.sealed);
      expectCode(() => decryptChunk(ctx, 0, true, sealedManifest), 'decrypt_failed');
    });
  });

  describe('manifest vector', () => {
    it('encrypts to the vector bytes and decrypts to the same manifest', () => {
      const m = Manifest.parse(manifestV.manifest);
      expect(toHex(encryptManifest(ctx, m))).toBe(manifestV.sealed);
      expect(decryptManifest(ctx, fromHex(manifestV.sealed))).toEqual(m);
    });

    it('a tampered or foreign manifest fails', () => {
      const bad = fromHex(manifestV.sealed);
      bad[10]! ^= 4;
      expectCode(() => decryptManifest(ctx, bad), 'decrypt_failed');
      const other = createStream(backend.aead, key, 't_other');
      expectCode(() => decryptManifest(other, fromHex(manifestV.sealed)), 'decrypt_failed');
    });
  });

  describe('BLAKE2b-512 file hash', () => {
    for (const c of blakeV.cases) {
      it(`${c.name}: one-shot and in odd-sized pieces`, () => {
        const input = bytesOf(c.input);
        expect(toHex(backend.createFileHasher().update(input).digest())).toBe(c.blake2b512);
        const h = backend.createFileHasher();
        for (let o = 0; o < input.length; o += 65537) h.update(input.subarray(o, o + 65537));
        expect(toHex(h.digest())).toBe(c.blake2b512);
      });
    }

    it('is spent after digest', () => {
      const h = backend.createFileHasher();
      h.digest();
      expectCode(() => h.digest(), 'invalid_argument');
    });
  });

  describe('properties', () => {
    it('round-trips any chunk at any index/final flag, and only there', () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ maxLength: 2048 }),
          fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
          fc.boolean(),
          (pt, index, fin) => {
            const sealed = encryptChunk(ctx, index, fin, pt);
            expect(sealed.length).toBe(pt.length + 16);
            expect(decryptChunk(ctx, index, fin, sealed)).toEqual(pt);
            expectCode(() => decryptChunk(ctx, index, !fin, sealed), 'decrypt_failed');
            const other = index === 0 ? 1 : index - 1;
            expectCode(() => decryptChunk(ctx, other, fin, sealed), 'decrypt_failed');
          },
        ),
        { numRuns: 150 },
      );
    });

    it('any single bit flip is detected', () => {
      const pt = pattern(300, 3);
      const sealed = encryptChunk(ctx, 9, false, pt);
      fc.assert(
        fc.property(fc.integer({ min: 0, max: sealed.length * 8 - 1 }), (bit) => {
          const bad = sealed.slice();
          bad[bit >> 3]! ^= 1 << (bit & 7);
          expectCode(() => decryptChunk(ctx, 9, false, bad), 'decrypt_failed');
        }),
        { numRuns: 200 },
      );
    });
  });
});

describe('backends agree with each other on random inputs', () => {
  it('node and sodium seal identically', async () => {
    const [n, s] = await Promise.all([loadNode(), loadSodium()]);
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 4096 }),
        fc.uint8Array({ maxLength: 64 }),
        (k, nonce, pt, aad) => {
          const a = n.aead.seal(k, nonce, pt, aad);
          expect(toHex(s.aead.seal(k, nonce, pt, aad))).toBe(toHex(a));
          expect(s.aead.open(k, nonce, a, aad)).toEqual(pt);
        },
      ),
      { numRuns: 100 },
    );
  });
});
