// A malicious channel rewrites the sender's frames: every tampering fails typed on both ends,
// with no output and no `.part`.
import { randomBytes } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStream } from '../crypto/stream.ts';
import {
  backend,
  chunkIndex,
  dst,
  SMALL_CHUNK,
  settle,
  src,
  start,
  tamper,
  useEngineHarness,
  type Wrap,
} from './engine-harness.ts';
import { decodeFrame, encodeFrame } from './framing.ts';

useEngineHarness();

const FINAL = 4; // 5 chunks of 16 KiB

describe('tampered streams fail typed, with no output and no .part', () => {
  let held: Uint8Array | undefined;
  const cases: Array<[string, string, Wrap]> = [
    [
      'bit flip in a chunk',
      'decrypt_failed',
      tamper((f, out) => {
        if (chunkIndex(f) === 1) f[20] = (f[20] ?? 0) ^ 1;
        out(f);
      }),
    ],
    ['dropped chunk', 'out_of_order', tamper((f, out) => chunkIndex(f) !== 2 && out(f))],
    [
      'duplicated chunk',
      'duplicate_chunk',
      tamper((f, out) => {
        out(f);
        if (chunkIndex(f) === 1) out(f.slice());
      }),
    ],
    [
      'reordered chunks',
      'out_of_order',
      tamper((f, out) => {
        if (chunkIndex(f) === 1) held = f;
        else {
          out(f);
          if (chunkIndex(f) === 2 && held) out(held);
        }
      }),
    ],
    ['truncated (final chunk omitted)', 'truncated', tamper((f, out) => chunkIndex(f) !== FINAL && out(f))],
    [
      'wrong transfer id in HELLO',
      'bad_frame',
      tamper((f, out) => {
        const r = decodeFrame(f);
        out(r.ok && r.frame.type === 'hello' ? encodeFrame({ ...r.frame, transferId: 't_someone_else' }) : f);
      }),
    ],
    [
      'chunk sealed for another transfer',
      'decrypt_failed',
      tamper((f, out) => {
        const i = chunkIndex(f);
        if (i === 1) {
          const other = createStream(backend.aead, new Uint8Array(32).fill(7), 't_other');
          const plain = new Uint8Array(f.length - 27);
          const forged = new Uint8Array(f.length);
          forged.set(f.subarray(0, 11));
          other.aead.sealInto(other.key, new Uint8Array(12), plain, undefined, forged, 11);
          out(forged);
        } else out(f);
      }),
    ],
  ];

  it.each(cases)('%s → %s', async (_name, code, wrap) => {
    held = undefined;
    await writeFile(join(src, 'victim.bin'), randomBytes(FINAL * SMALL_CHUNK + 100));
    const { tx, rx } = await start(
      { kind: 'files', paths: join(src, 'victim.bin') },
      { chunkSize: SMALL_CHUNK, wrap },
    );
    const [te, re] = await Promise.all([settle(tx.result), settle(rx.result)]);
    expect(re?.code).toBe(code);
    expect(te?.code).toBe(code); // the receiver told the sender with an ERROR frame
    expect(te?.details?.by).toBe('remote');
    expect(await readdir(dst)).toEqual([]);
  });
});
