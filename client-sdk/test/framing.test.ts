import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CHUNK_SIZE,
  MAX_CHUNK_SIZE,
  MIN_CHUNK_SIZE,
  negotiateChunkSize,
} from '../src/transfer/chunk-size.ts';
import {
  CHUNK_FRAME_OVERHEAD,
  decodeFrame,
  encodeFrame,
  FRAME_VERSION,
  type Frame,
  MAX_FRAME_MESSAGE_BYTES,
} from '../src/transfer/framing.ts';

const samples: Frame[] = [
  { type: 'hello', maxVersion: 1, maxChunkSize: 262144, capabilities: 0, transferId: 't_abc-1' },
  { type: 'chunk', index: 0, final: false, ciphertext: new Uint8Array(16) },
  { type: 'chunk', index: Number.MAX_SAFE_INTEGER, final: true, ciphertext: new Uint8Array(100).fill(7) },
  { type: 'ack', next: 0 },
  { type: 'ack', next: 2 ** 40 + 1 },
  { type: 'resume_from', index: 17 },
  { type: 'cancel', reason: 'superseded', message: 'moving to relay' },
  { type: 'cancel', reason: 'user', message: '' },
  { type: 'done', chunkCount: 3 },
  { type: 'error', code: 'decrypt_failed', message: 'chunk 3: élan' },
];

describe('framing', () => {
  it('round-trips every frame type', () => {
    for (const f of samples) {
      const r = decodeFrame(encodeFrame(f));
      expect(r).toEqual({ ok: true, frame: f });
    }
  });

  it('pins the wire layout (big-endian, version byte first)', () => {
    expect(Buffer.from(encodeFrame({ type: 'ack', next: 0x0102030405 })).toString('hex')).toBe(
      '01030000000102030405',
    );
    const chunk = encodeFrame({ type: 'chunk', index: 258, final: true, ciphertext: new Uint8Array(16) });
    expect(Buffer.from(chunk.subarray(0, 11)).toString('hex')).toBe('0102010000000000000102');
    const hello = encodeFrame({
      type: 'hello',
      maxVersion: 1,
      maxChunkSize: 65536,
      capabilities: 5,
      transferId: 'x',
    });
    expect(Buffer.from(hello).toString('hex')).toBe('01010100010000000000050178');
  });

  it('accepts ArrayBuffer and offset views (what data channels deliver)', () => {
    const bytes = encodeFrame({ type: 'done', chunkCount: 9 });
    expect(decodeFrame(bytes.slice().buffer)).toEqual({ ok: true, frame: { type: 'done', chunkCount: 9 } });
    const padded = new Uint8Array(bytes.length + 5);
    padded.set(bytes, 5);
    expect(decodeFrame(padded.subarray(5)).ok).toBe(true);
    expect(decodeFrame(new DataView(padded.buffer, 5)).ok).toBe(true);
  });

  it('rejects truncation, trailing bytes, oversize chunks, unsafe integers, bad versions and types', () => {
    for (const f of samples) {
      const b = encodeFrame(f);
      if (f.type !== 'chunk') {
        expect(decodeFrame(b.subarray(0, b.length - 1)).ok, `${f.type} truncated`).toBe(false);
        const longer = new Uint8Array(b.length + 1);
        longer.set(b);
        expect(decodeFrame(longer).ok, `${f.type} trailing`).toBe(false);
      }
    }
    expect(decodeFrame(new Uint8Array(0))).toMatchObject({ ok: false, code: 'bad_frame' });
    expect(decodeFrame(new Uint8Array([2, 3]))).toMatchObject({ ok: false, code: 'unsupported_version' });
    expect(decodeFrame(new Uint8Array([1, 99]))).toMatchObject({ ok: false, code: 'bad_frame' });
    const shortChunk = encodeFrame({ type: 'chunk', index: 0, final: false, ciphertext: new Uint8Array(16) });
    expect(decodeFrame(shortChunk.subarray(0, 26))).toMatchObject({ ok: false, code: 'bad_frame' });
    const big = encodeFrame({
      type: 'chunk',
      index: 0,
      final: false,
      ciphertext: new Uint8Array(16384 + 17),
    });
    expect(decodeFrame(big, { maxChunkSize: 16384 })).toMatchObject({ ok: false, code: 'payload_too_large' });
    expect(decodeFrame(big.subarray(0, big.length - 1), { maxChunkSize: 16384 }).ok).toBe(true);
    const huge = new Uint8Array([1, 3, 0, 0x20, 0, 0, 0, 0, 0, 0]); // 2^53
    expect(decodeFrame(huge)).toMatchObject({ ok: false, code: 'bad_frame' });
    const flags = shortChunk.slice();
    flags[2] = 0x02;
    expect(decodeFrame(flags).ok).toBe(false);
    const badUtf8 = new Uint8Array([1, 5, 1, 0, 2, 0xc3, 0x28]);
    expect(decodeFrame(badUtf8).ok).toBe(false);
  });

  it('truncates over-long messages on a UTF-8 boundary', () => {
    const f = encodeFrame({ type: 'error', code: 'x', message: 'é'.repeat(MAX_FRAME_MESSAGE_BYTES) });
    const r = decodeFrame(f);
    expect(r.ok && r.frame.type === 'error' && r.frame.message).toBe('é'.repeat(MAX_FRAME_MESSAGE_BYTES / 2));
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 4096 }), (bytes, max) => {
        const r = decodeFrame(bytes, { maxChunkSize: max });
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on mutated valid frames, and anything accepted re-encodes to the same bytes', () => {
    const frame = fc.constantFrom(...samples.map((s) => encodeFrame(s)));
    fc.assert(
      fc.property(
        frame,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.nat({ max: 8 }),
        (base, edits, cut) => {
          const b = base.slice(0, Math.max(0, base.length - cut));
          for (const [pos, val] of edits) if (b.length > 0) b[pos % b.length] = val;
          const r = decodeFrame(b);
          if (r.ok) expect(encodeFrame(r.frame)).toEqual(b);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('version constant and overhead', () => {
    expect(FRAME_VERSION).toBe(1);
    expect(CHUNK_FRAME_OVERHEAD).toBe(27);
  });
});

describe('negotiateChunkSize', () => {
  it('defaults to 64 KiB and takes the smaller advertisement', () => {
    expect(negotiateChunkSize(undefined, undefined)).toBe(DEFAULT_CHUNK_SIZE);
    expect(negotiateChunkSize(1 << 20, undefined)).toBe(DEFAULT_CHUNK_SIZE);
    expect(negotiateChunkSize(1 << 20, 256 * 1024)).toBe(256 * 1024);
    expect(negotiateChunkSize(32 * 1024, 1 << 20)).toBe(32 * 1024);
  });

  it('clamps to 16 KiB..1 MiB and respects the channel limit', () => {
    expect(negotiateChunkSize(1, 1)).toBe(MIN_CHUNK_SIZE);
    expect(negotiateChunkSize(1 << 30, 1 << 30)).toBe(MAX_CHUNK_SIZE);
    expect(negotiateChunkSize(1 << 20, 1 << 20, 262144 - CHUNK_FRAME_OVERHEAD)).toBe(261120);
    expect(negotiateChunkSize(undefined, undefined, 65536 - CHUNK_FRAME_OVERHEAD)).toBe(63 * 1024);
    expect(negotiateChunkSize(undefined, undefined, 1000)).toBeUndefined();
    expect(negotiateChunkSize(Number.NaN, undefined)).toBe(DEFAULT_CHUNK_SIZE);
  });

  it('is symmetric and always within bounds', () => {
    fc.assert(
      fc.property(fc.option(fc.integer()), fc.option(fc.integer()), (a, b) => {
        const x = negotiateChunkSize(a ?? undefined, b ?? undefined);
        expect(x).toBe(negotiateChunkSize(b ?? undefined, a ?? undefined));
        expect(x).toBeGreaterThanOrEqual(MIN_CHUNK_SIZE);
        expect(x).toBeLessThanOrEqual(MAX_CHUNK_SIZE);
      }),
    );
  });
});
