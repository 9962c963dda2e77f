import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CHUNK_SIZE,
  isValidChunkSize,
  MAX_CHUNK_SIZE,
  MIN_CHUNK_SIZE,
  negotiateChunkSize,
} from './chunk-size.ts';
import { CHUNK_FRAME_OVERHEAD } from './framing.ts';

const KiB = 1024;

describe('negotiateChunkSize', () => {
  it.each([
    // [mine, theirs, frameLimit, expected]
    [undefined, undefined, undefined, DEFAULT_CHUNK_SIZE], // nobody advertised: 64 KiB
    [MAX_CHUNK_SIZE, undefined, undefined, DEFAULT_CHUNK_SIZE], // an old peer: 64 KiB, not mine
    [undefined, MAX_CHUNK_SIZE, undefined, DEFAULT_CHUNK_SIZE],
    [255 * KiB, 255 * KiB, undefined, 255 * KiB], // two libwebrtc ends
    [255 * KiB, 64 * KiB, undefined, 64 * KiB], // the smaller end wins, either way round
    [64 * KiB, 255 * KiB, undefined, 64 * KiB],
    [MAX_CHUNK_SIZE, 0xffff_ffff, undefined, MAX_CHUNK_SIZE], // clamped to 1 MiB
    [1, 1, undefined, MIN_CHUNK_SIZE], // clamped to 16 KiB
    [255 * KiB + 0.5, 300 * KiB, undefined, 255 * KiB], // fractions drop
    [Number.NaN, 128 * KiB, undefined, 64 * KiB], // non-finite counts as absent
    [Number.POSITIVE_INFINITY, 128 * KiB, undefined, 64 * KiB],
    [MAX_CHUNK_SIZE, MAX_CHUNK_SIZE, 262_144 - CHUNK_FRAME_OVERHEAD, 255 * KiB], // 256 KiB channel
    [MAX_CHUNK_SIZE, MAX_CHUNK_SIZE, 65_536 - CHUNK_FRAME_OVERHEAD, 63 * KiB], // 64 KiB channel
    [32 * KiB, MAX_CHUNK_SIZE, 262_144 - CHUNK_FRAME_OVERHEAD, 32 * KiB], // below the channel
    [MAX_CHUNK_SIZE, MAX_CHUNK_SIZE, MIN_CHUNK_SIZE, MIN_CHUNK_SIZE],
    [MAX_CHUNK_SIZE, MAX_CHUNK_SIZE, MIN_CHUNK_SIZE - 1, undefined], // nothing fits: use the relay
    [MAX_CHUNK_SIZE, MAX_CHUNK_SIZE, Number.NaN, undefined],
  ] as const)('(%s, %s, %s) → %s', (mine, theirs, frameLimit, expected) => {
    expect(negotiateChunkSize(mine, theirs, frameLimit)).toBe(expected);
  });

  it('always gives a valid chunk size when it gives one', () => {
    for (const a of [undefined, 1, 16 * KiB, 100_000, 255 * KiB, 2 * MAX_CHUNK_SIZE])
      for (const b of [undefined, 1, 16 * KiB, 100_000, 255 * KiB, 2 * MAX_CHUNK_SIZE]) {
        const n = negotiateChunkSize(a, b);
        expect(n !== undefined && isValidChunkSize(n), `${a} ${b} → ${n}`).toBe(true);
      }
  });
});
