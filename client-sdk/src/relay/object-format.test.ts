import { describe, expect, it } from 'vitest';
import { layoutChunks } from '../files/chunk-layout.ts';
import { CHUNK_FRAME_OVERHEAD } from '../transfer/framing.ts';
import {
  decodeEnvelope,
  encodeObjectHeader,
  encodeRecord,
  OBJECT_PREFIX_BYTES,
  ObjectLayout,
  RECORD_PREFIX_BYTES,
  RecordParser,
  readObjectPrefix,
} from './object-format.ts';

const REC = RECORD_PREFIX_BYTES + CHUNK_FRAME_OVERHEAD;

describe('relay object format', () => {
  it('round-trips the header in both versions and refuses foreign bytes', () => {
    const v1 = encodeObjectHeader({ transferId: 't_1' }, 1);
    expect(Buffer.from(v1.subarray(0, 4)).toString()).toBe('HSR1');
    expect(readObjectPrefix(v1.subarray(0, OBJECT_PREFIX_BYTES))).toEqual({
      version: 1,
      envelopeBytes: v1.length - OBJECT_PREFIX_BYTES,
    });
    const header = encodeObjectHeader({ transferId: 't_1', sealedKey: 'abc' });
    expect(Buffer.from(header.subarray(0, 4)).toString()).toBe('HSR2');
    const { version, envelopeBytes: len } = readObjectPrefix(header.subarray(0, OBJECT_PREFIX_BYTES));
    expect(version).toBe(2);
    expect(len).toBe(header.length - OBJECT_PREFIX_BYTES);
    expect(decodeEnvelope(header.subarray(OBJECT_PREFIX_BYTES))).toEqual({
      transferId: 't_1',
      sealedKey: 'abc',
    });
    expect(() => readObjectPrefix(new Uint8Array(8))).toThrow(/not a Hypersend relay object/u);
    expect(() => readObjectPrefix(Buffer.from('HSR3\0\0\0\x01'))).toThrow(/not a Hypersend relay object/u);
    expect(() => readObjectPrefix(Buffer.from('HSR2\0\0\0\0'))).toThrow(/envelope size/u);
    expect(() => decodeEnvelope(new Uint8Array([0xff, 0xfe]))).toThrow(/not JSON/u);
  });

  it('places every chunk record from the manifest layout alone, across files and empty files', () => {
    // Files of 10, 0 and 9 bytes in 4-byte chunks: [4,4,2][0][4,4,1] → 7 chunks.
    const layout = layoutChunks([10, 0, 9], 4);
    const object = new ObjectLayout(layout, 100, 2);
    const lengths = [2, 0, 4, 4, 1]; // chunks 2..6
    let at = 100;
    for (let k = 2; k <= 6; k++) {
      expect(object.offsetOf(k)).toBe(at);
      expect(object.chunkAt(at)).toEqual({ chunk: k, skip: 0 });
      if ((lengths[k - 2] ?? 0) + REC > 1) expect(object.chunkAt(at + 1)).toEqual({ chunk: k, skip: 1 });
      at += REC + (lengths[k - 2] ?? 0);
    }
    expect(object.totalBytes).toBe(at);
    expect(object.chunkAt(at)).toEqual({ chunk: 7, skip: 0 });
    expect(() => object.offsetOf(1)).toThrow();
  });

  it('splits a byte stream back into frames whatever the read sizes', () => {
    const frames = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(300).fill(7)];
    const bytes = Buffer.concat(frames.map((f) => encodeRecord(f)));
    for (const step of [1, 3, 5, 64, bytes.length]) {
      const parser = new RecordParser(1000);
      const out: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += step) out.push(...parser.push(bytes.subarray(i, i + step)));
      expect(out.map((f) => Buffer.from(f).toString('hex'))).toEqual(
        frames.map((f) => Buffer.from(f).toString('hex')),
      );
      expect(parser.pending).toBe(0);
    }
    expect(() => [...new RecordParser(10).push(encodeRecord(new Uint8Array(11)))]).toThrow(/relay record/u);
  });
});
