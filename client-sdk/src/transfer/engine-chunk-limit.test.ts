// The chunk size against the channel's frame limit that the receiver advertises in HELLO.
import { randomBytes } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backend, dst, ids, settle, src, useEngineHarness, type Wrap } from './engine-harness.ts';
import { IncomingOffer } from './incoming-offer.ts';
import { createMemoryChannelPair } from './memory-channel.ts';
import { TransferSender } from './sender.ts';
import { sha256File } from './test-support.ts';

useEngineHarness();

describe('chunk size against the channel limit (HELLO maxChunkSize)', () => {
  /** A memory channel whose transport carries at most `limit` bytes per frame, like a data channel. */
  const limited =
    (limit: number): Wrap =>
    (ch) => ({
      send: (f) => ch.send(f),
      onFrame: (h) => ch.onFrame(h),
      onClose: (h) => ch.onClose(h),
      close: () => ch.close(),
      maxFrameBytes: async () => limit,
    });

  async function run(chunkSize: number, limit: number) {
    await writeFile(join(src, 'f.bin'), randomBytes(5 * chunkSize + 3));
    const tx = await TransferSender.create({
      input: { kind: 'files', paths: join(src, 'f.bin') },
      sender: ids.sender,
      recipient: ids.recipient,
      backend,
      chunkSize,
    });
    const offer = await IncomingOffer.open(JSON.parse(JSON.stringify(tx.offer)), ids.receiver);
    const rx = await offer.accept({ dir: dst });
    const [a, b] = createMemoryChannelPair({ highWatermark: 1 << 20 });
    tx.attach(limited(limit)(a));
    rx.attach(limited(limit)(b));
    return { tx, rx };
  }

  it('a chunk size that fits the receiver’s advertised limit transfers, and the limit is reported', async () => {
    const limit = 40 * 1024; // → 40 KiB − 27 B, rounded down to 39 KiB
    const { tx, rx } = await run(32 * 1024, limit);
    await Promise.all([tx.result, rx.result]);
    expect(tx.chunkSizeLimit).toBe(39 * 1024);
    expect(await sha256File(join(dst, 'f.bin'))).toBe(await sha256File(join(src, 'f.bin')));
  });

  it('chunks larger than the channel carries fail unsupported on both ends, nothing written', async () => {
    const { tx, rx } = await run(64 * 1024, 40 * 1024);
    const [te, re] = await Promise.all([settle(tx.result), settle(rx.result)]);
    expect(te?.code).toBe('unsupported');
    // The sender says which sizes, so the user can send again with one that fits.
    expect(te?.details).toEqual({ chunkSize: 64 * 1024, peerMaxChunkSize: 39 * 1024 });
    expect(re?.code).toBe('unsupported');
    expect(await readdir(dst)).toEqual([]);
  });

  it('without a known limit the receiver advertises 1 MiB', async () => {
    const { tx, rx } = await run(64 * 1024, Number.POSITIVE_INFINITY);
    await Promise.all([tx.result, rx.result]);
    expect(tx.chunkSizeLimit).toBe(1024 * 1024);
  });
});
