// End to end over the wire format, no network: sender seals chunks into CHUNK frames, receiver
// decodes, sequences, decrypts and hashes. Every way of damaging the stream must stop the
// transfer with a typed error, on both crypto backends.
import { beforeAll, describe, expect, it } from 'vitest';
import type { CryptoBackend } from '../src/crypto/backend.ts';
import { loadCryptoBackend as loadNode } from '../src/crypto/backend-node.ts';
import { loadCryptoBackend as loadSodium } from '../src/crypto/backend-sodium.ts';
import { createStream, encryptChunk, type StreamContext } from '../src/crypto/stream.ts';
import { toHex } from '../src/encoding.ts';
import { HypersendError } from '../src/errors.ts';
import { openChunkFrame, sealChunkFrame } from '../src/transfer/chunk-codec.ts';
import { ChunkSequencer } from '../src/transfer/chunk-sequencer.ts';
import { decodeFrame, encodeFrame } from '../src/transfer/framing.ts';
import { pattern } from './vectors.ts';

const CHUNK = 16 * 1024;
const KEY = new Uint8Array(32).fill(3);
const ID = 't_pipe';

function send(ctx: StreamContext, data: Uint8Array): Uint8Array[] {
  const count = Math.max(1, Math.ceil(data.length / CHUNK));
  const frames: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    frames.push(sealChunkFrame(ctx, i, i === count - 1, data.subarray(i * CHUNK, (i + 1) * CHUNK)));
  }
  return frames;
}

/** Receiver: returns the reassembled bytes or throws the typed error that stopped it. */
function receive(ctx: StreamContext, frames: Uint8Array[], chunkCount: number, start = 0): Uint8Array {
  const seq = new ChunkSequencer(chunkCount, start);
  const parts: Uint8Array[] = [];
  for (const bytes of frames) {
    const r = decodeFrame(bytes, { maxChunkSize: CHUNK });
    if (!r.ok) throw new HypersendError(r.code, r.message);
    if (r.frame.type !== 'chunk') throw HypersendError.badFrame('expected chunk');
    seq.accept(r.frame.index);
    parts.push(openChunkFrame(ctx, r.frame, chunkCount));
    seq.commit();
  }
  seq.finish();
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return HypersendError.is(err) ? err.code : `untyped: ${String(err)}`;
  }
  return undefined;
}

describe.each([
  ['node', loadNode],
  ['sodium', loadSodium],
] as const)('transfer pipeline: %s', (_name, load) => {
  let backend: CryptoBackend;
  let ctx: StreamContext;
  const data = pattern(4 * CHUNK + 123, 11); // 5 chunks
  let frames: Uint8Array[];
  beforeAll(async () => {
    backend = await load();
    ctx = createStream(backend.aead, KEY, ID);
    frames = send(ctx, data);
  });

  it('delivers intact data, and the file hash agrees', () => {
    const got = receive(ctx, frames, 5);
    expect(got).toEqual(data);
    expect(toHex(backend.createFileHasher().update(got).digest())).toBe(
      toHex(backend.createFileHasher().update(data).digest()),
    );
  });

  it('an empty transfer is one empty final chunk', () => {
    const f = send(ctx, new Uint8Array(0));
    expect(f.length).toBe(1);
    expect(receive(ctx, f, 1)).toEqual(new Uint8Array(0));
  });

  it('resumes from any acknowledged index without replaying earlier chunks', () => {
    expect(receive(ctx, frames.slice(3), 5, 3)).toEqual(data.subarray(3 * CHUNK));
  });

  it('dropped chunk → out_of_order', () => {
    expect(codeOf(() => receive(ctx, [frames[0]!, frames[2]!, frames[3]!, frames[4]!], 5))).toBe(
      'out_of_order',
    );
  });

  it('duplicated chunk → duplicate_chunk', () => {
    expect(codeOf(() => receive(ctx, [frames[0]!, frames[1]!, frames[1]!, ...frames.slice(2)], 5))).toBe(
      'duplicate_chunk',
    );
  });

  it('reordered chunks → out_of_order', () => {
    expect(codeOf(() => receive(ctx, [frames[0]!, frames[2]!, frames[1]!, ...frames.slice(3)], 5))).toBe(
      'out_of_order',
    );
  });

  it('dropped final chunk (truncation) → truncated', () => {
    expect(codeOf(() => receive(ctx, frames.slice(0, 4), 5))).toBe('truncated');
  });

  it('index rewritten in the frame header → decrypt_failed', () => {
    // Present chunk 2's ciphertext under index 1, as an attacker swapping payloads would.
    const forged = frames[2]!.slice();
    forged[10] = 1;
    expect(codeOf(() => receive(ctx, [frames[0]!, forged], 5))).toBe('decrypt_failed');
  });

  it('sender ends early by sealing a middle chunk as final → decrypt_failed', () => {
    const early = sealChunkFrame(ctx, 1, true, data.subarray(CHUNK, 2 * CHUNK));
    expect(codeOf(() => receive(ctx, [frames[0]!, early], 5))).toBe('decrypt_failed');
    const flagOnly = frames[1]!.slice();
    flagOnly[2] = 1;
    expect(codeOf(() => receive(ctx, [frames[0]!, flagOnly], 5))).toBe('decrypt_failed');
  });

  it('flipped bit in ciphertext or tag → decrypt_failed', () => {
    for (const pos of [11, 500, frames[1]!.length - 1]) {
      const bad = frames[1]!.slice();
      bad[pos]! ^= 0x10;
      expect(
        codeOf(() => receive(ctx, [frames[0]!, bad], 5)),
        `byte ${pos}`,
      ).toBe('decrypt_failed');
    }
  });

  it('truncated frame → bad_frame or decrypt_failed, never silent', () => {
    expect(codeOf(() => receive(ctx, [frames[0]!.subarray(0, 20)], 5))).toBe('bad_frame');
    expect(codeOf(() => receive(ctx, [frames[0]!.subarray(0, frames[0]!.length - 1)], 5))).toBe(
      'decrypt_failed',
    );
  });

  it('wrong transfer id or wrong key → decrypt_failed', () => {
    const otherKey = KEY.slice();
    otherKey[0]! ^= 1;
    expect(codeOf(() => receive(createStream(backend.aead, KEY, 't_other'), frames, 5))).toBe(
      'decrypt_failed',
    );
    expect(codeOf(() => receive(createStream(backend.aead, otherKey, ID), frames, 5))).toBe('decrypt_failed');
  });

  it('a chunk claiming an index past the end → bad_chunk; an oversize chunk → payload_too_large', () => {
    const past = encodeFrame({
      type: 'chunk',
      index: 5,
      final: false,
      ciphertext: encryptChunk(ctx, 5, false, new Uint8Array(1)),
    });
    expect(codeOf(() => receive(ctx, [...frames.slice(0, 5), past], 5))).toBe('bad_chunk');
    const wide = createStream(backend.aead, KEY, ID);
    const big = sealChunkFrame(wide, 0, false, new Uint8Array(CHUNK + 1));
    expect(codeOf(() => receive(ctx, [big], 5))).toBe('payload_too_large');
  });
});
