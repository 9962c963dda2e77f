// Resume in process: on a new channel after the connection fails, in a restarted receiver from
// its durable record, and after a receiver that went silent is given up.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HypersendError } from '../errors.ts';
import {
  backend,
  chunkIndex,
  dst,
  ids,
  SMALL_CHUNK,
  settle,
  src,
  start,
  tamper,
  useEngineHarness,
  type Wrap,
} from './engine-harness.ts';
import type { FrameChannel } from './frame-channel.ts';
import { decodeFrame } from './framing.ts';
import { IncomingOffer } from './incoming-offer.ts';
import { createMemoryChannelPair } from './memory-channel.ts';
import type { TransferReceiver } from './receiver.ts';
import { TransferSender } from './sender.ts';

useEngineHarness();

describe('resume', () => {
  it('continues from the last acknowledged chunk on a new channel after the connection fails', async () => {
    const data = randomBytes(6 << 20);
    await writeFile(join(src, 'r.bin'), data);
    const { tx, rx } = await start(
      { kind: 'files', paths: join(src, 'r.bin') },
      { chunkSize: SMALL_CHUNK, windowBytes: 1 << 20 },
    );
    const disconnected = new Promise<void>((resolve) => rx.once('disconnected', () => resolve()));
    await new Promise<void>((resolve) => rx.once('progress', () => resolve()));
    // Find the live channel by closing through the receiver's side: close() closes both ends.
    (rx as unknown as { channel: FrameChannel }).channel.close();
    await disconnected;
    const [a, b] = createMemoryChannelPair();
    tx.attach(a);
    rx.attach(b);
    const [sent] = await Promise.all([tx.result, rx.result]);
    expect(Buffer.compare(await readFile(join(dst, 'r.bin')), data)).toBe(0);
    expect(sent.connections).toBe(2);
    expect(sent.resentChunks).toBeLessThanOrEqual(tx.windowChunks);
  });

  it('a restarted receiver (new TransferReceiver on the same dir) resumes from its durable record', async () => {
    const data = randomBytes(4 << 20);
    await writeFile(join(src, 'k.bin'), data);
    const tx = await TransferSender.create({
      input: { kind: 'files', paths: join(src, 'k.bin') },
      sender: ids.sender,
      recipient: ids.recipient,
      backend,
      chunkSize: SMALL_CHUNK,
      windowBytes: 1 << 20,
    });
    const open = (): Promise<IncomingOffer> =>
      IncomingOffer.open(JSON.parse(JSON.stringify(tx.offer)), ids.receiver);
    const rx1: TransferReceiver = await (await open()).accept({
      dir: dst,
      ackBytes: 8 * SMALL_CHUNK,
      reconnectTimeoutMs: 50,
    });
    const [a, b] = createMemoryChannelPair();
    // The connection dies when chunk 100 is on its way: deterministic, unlike racing a fast transfer.
    tx.attach(
      tamper((f, out) => {
        if (chunkIndex(f) === 100) a.close();
        else out(f);
      })(a),
    );
    rx1.attach(b);
    const lost = await settle(rx1.result);
    expect(lost?.code, lost?.message).toBe('peer_closed');
    const rx2 = await (await open()).accept({ dir: dst });
    expect(rx2.nextChunk).toBeGreaterThan(0);
    const [c, d] = createMemoryChannelPair();
    tx.attach(c);
    rx2.attach(d);
    const [sent] = await Promise.all([tx.result, rx2.result]);
    expect(Buffer.compare(await readFile(join(dst, 'k.bin')), data)).toBe(0);
    expect(sent.resentChunks).toBeLessThanOrEqual(tx.windowChunks);
  });
});

describe('a receiver that goes silent', () => {
  it('is given up after the channel’s silence limit, and the transfer resumes on a new channel', async () => {
    const data = randomBytes(2 << 20);
    await writeFile(join(src, 's.bin'), data);
    const dropAcks: Wrap = (ch) => ({
      ...ch,
      // The receiver keeps receiving but its acknowledgements never arrive: a vanished peer whose
      // transport still swallows what is sent.
      send: async (f) => {
        const r = decodeFrame(f);
        if (!(r.ok && r.frame.type === 'ack')) await ch.send(f);
      },
    });
    const tx = await TransferSender.create({
      input: { kind: 'files', paths: join(src, 's.bin') },
      sender: ids.sender,
      recipient: ids.recipient,
      backend,
      chunkSize: SMALL_CHUNK,
      windowBytes: 256 * 1024,
    });
    const offer = await IncomingOffer.open(JSON.parse(JSON.stringify(tx.offer)), ids.receiver);
    const rx = await offer.accept({ dir: dst, ackBytes: 4 * SMALL_CHUNK });
    const [a, b] = createMemoryChannelPair();
    const lost = new Promise<HypersendError | undefined>((resolve) => tx.once('disconnected', resolve));
    const t0 = Date.now();
    tx.attach({ ...a, silenceLimitMs: 400 });
    rx.attach(dropAcks(b));
    const err = await lost;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(err?.code).toBe('peer_connection_failed');
    expect(tx.active).toBe(true); // waiting for a new channel, not failed

    const [a2, b2] = createMemoryChannelPair();
    tx.attach({ ...a2, silenceLimitMs: 400 });
    rx.attach(b2);
    const [sent] = await Promise.all([tx.result, rx.result]);
    expect(Buffer.compare(await readFile(join(dst, 's.bin')), data)).toBe(0);
    expect(sent.connections).toBe(2);
  });

  it('is never given up while nothing awaits its acknowledgement (an offer not yet answered)', async () => {
    await writeFile(join(src, 'q.bin'), randomBytes(64 * 1024));
    const tx = await TransferSender.create({
      input: { kind: 'files', paths: join(src, 'q.bin') },
      sender: ids.sender,
      recipient: ids.recipient,
      backend,
      chunkSize: SMALL_CHUNK,
    });
    const [a] = createMemoryChannelPair();
    let disconnected = false;
    tx.once('disconnected', () => {
      disconnected = true;
    });
    tx.attach({ ...a, silenceLimitMs: 100 }); // no receiver speaks: nothing was sent
    await new Promise((r) => setTimeout(r, 600));
    expect(disconnected).toBe(false);
    expect(tx.active).toBe(true);
    tx.interrupt();
    await settle(tx.result);
  });
});
