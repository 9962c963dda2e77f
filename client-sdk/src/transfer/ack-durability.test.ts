// The receiver commits in the background (receiving goes on during a commit's fsyncs), so its
// ACKs trail the data; this checks the other half of that bargain: at the moment an ACK is handed
// to the channel, the durable progress record already covers it.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backend, dst, ids, src, useEngineHarness } from './engine-harness.ts';
import { decodeFrame } from './framing.ts';
import { IncomingOffer } from './incoming-offer.ts';
import { createMemoryChannelPair } from './memory-channel.ts';
import { TransferSender } from './sender.ts';

const CHUNK = 16 * 1024;
useEngineHarness();

/** `nextChunk` of the durable record right now (read synchronously: no time for it to move). */
function recordedNext(transferId: string): number {
  try {
    const text = readFileSync(join(dst, '.hypersend', transferId, 'progress.json'), 'utf8');
    return (JSON.parse(text) as { nextChunk: number }).nextChunk;
  } catch {
    return -1;
  }
}

describe('receiver ACKs', () => {
  it('never name a chunk the progress record does not cover yet', async () => {
    const data = randomBytes(3 << 20);
    await writeFile(join(src, 'f.bin'), data);
    const tx = await TransferSender.create({
      input: { kind: 'files', paths: join(src, 'f.bin') },
      sender: ids.sender,
      recipient: ids.recipient,
      backend,
      chunkSize: CHUNK,
      windowBytes: 32 * CHUNK,
    });
    const offer = await IncomingOffer.open(JSON.parse(JSON.stringify(tx.offer)), ids.receiver);
    const rx = await offer.accept({ dir: dst, ackBytes: 4 * CHUNK });
    const [a, b] = createMemoryChannelPair({ highWatermark: 256 * 1024 });
    const chunkCount = Math.ceil(data.length / CHUNK);
    const acks: Array<{ next: number; recorded: number }> = [];
    tx.attach(a);
    rx.attach({
      ...b,
      send: (frame) => {
        const r = decodeFrame(frame);
        // The final ACK follows the install, which removes the record with the staging folder.
        if (r.ok && r.frame.type === 'ack' && r.frame.next < chunkCount)
          acks.push({ next: r.frame.next, recorded: recordedNext(tx.transferId) });
        return b.send(frame);
      },
    });
    await Promise.all([tx.result, rx.result]);
    expect(Buffer.compare(await readFile(join(dst, 'f.bin')), data)).toBe(0);
    expect(acks.length).toBeGreaterThan(5);
    expect(acks.filter((x) => x.recorded < x.next)).toEqual([]);
    // Cumulative and increasing: one commit at a time, records in snapshot order.
    for (let i = 1; i < acks.length; i++)
      expect(acks[i]?.next).toBeGreaterThanOrEqual(acks[i - 1]?.next ?? 0);
  });
});
