// What survives the end of a transfer: an interrupt or a lost connection keeps the resume state
// on both ends (sender record, receiver `.part` + progress record); a cancel deletes it.
import { randomBytes } from 'node:crypto';
import { access, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STAGING_DIR_NAME } from '../files/safe-path.ts';
import { backend, dst, ids, settle, src, useEngineHarness } from './engine-harness.ts';
import type { FrameChannel } from './frame-channel.ts';
import { decodeFrame } from './framing.ts';
import { IncomingOffer } from './incoming-offer.ts';
import { createMemoryChannelPair } from './memory-channel.ts';
import type { TransferReceiver } from './receiver.ts';
import { TransferSender } from './sender.ts';
import { senderRecordPath } from './sender-state.ts';

const CHUNK = 16 * 1024;
let state: string;

useEngineHarness();
beforeEach(async () => {
  state = await mkdtemp(join(tmpdir(), 'hs-life-state-'));
});
afterEach(async () => {
  await rm(state, { recursive: true, force: true });
});

const exists = (p: string): Promise<boolean> =>
  access(p).then(
    () => true,
    () => false,
  );
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A sender channel that closes itself (cleanly, like a peer's close) instead of sending chunk `at`. */
function closeAtChunk(ch: FrameChannel, at: number): FrameChannel {
  return {
    ...ch,
    send: async (frame) => {
      const r = decodeFrame(frame);
      if (r.ok && r.frame.type === 'chunk' && r.frame.index === at) {
        ch.close();
        return;
      }
      await ch.send(frame);
    },
  };
}

async function setup(reconnectTimeoutMs: number) {
  const data = randomBytes(4 << 20);
  await writeFile(join(src, 'f.bin'), data);
  const tx = await TransferSender.create({
    input: { kind: 'files', paths: join(src, 'f.bin') },
    sender: ids.sender,
    recipient: ids.recipient,
    backend,
    chunkSize: CHUNK,
    windowBytes: 1 << 20,
    stateDir: state,
    reconnectTimeoutMs,
  });
  const open = (): Promise<IncomingOffer> =>
    IncomingOffer.open(JSON.parse(JSON.stringify(tx.offer)), ids.receiver);
  const rx = await (await open()).accept({ dir: dst, ackBytes: 8 * CHUNK, reconnectTimeoutMs });
  return { data, tx, rx, open, record: senderRecordPath(state, tx.transferId) };
}

/** Finish on fresh engines (a restarted sender and receiver) and check the bytes. */
async function resumeToEnd(s: Awaited<ReturnType<typeof setup>>): Promise<void> {
  const tx2 = await TransferSender.restore(s.record, { backend, stateDir: state });
  const rx2: TransferReceiver = await (await s.open()).accept({ dir: dst });
  expect(rx2.nextChunk).toBeGreaterThan(0);
  const [a, b] = createMemoryChannelPair();
  tx2.attach(a);
  rx2.attach(b);
  const [sent] = await Promise.all([tx2.result, rx2.result]);
  expect(Buffer.compare(await readFile(join(dst, 'f.bin')), s.data)).toBe(0);
  expect(sent.resentChunks).toBeLessThanOrEqual(tx2.windowChunks);
  expect(await exists(s.record)).toBe(false); // done: the record goes
}

describe('engine lifetime', () => {
  it('interrupt() keeps the sender record past the reconnect timeout; a restored sender resumes', async () => {
    const s = await setup(50);
    const [a, b] = createMemoryChannelPair();
    s.tx.attach(a);
    s.rx.attach(b);
    await new Promise<void>((r) => s.rx.once('progress', () => r()));
    s.tx.interrupt();
    s.rx.interrupt();
    const [te, re] = await Promise.all([settle(s.tx.result), settle(s.rx.result)]);
    expect(te?.code).toBe('cancelled');
    expect(te?.details).toMatchObject({ by: 'local', reason: 'interrupted' });
    expect(re?.details).toMatchObject({ by: 'local', reason: 'interrupted' });
    await sleep(200); // well past reconnectTimeoutMs: nothing may delete the state now
    expect(await exists(s.record)).toBe(true);
    expect(await readdir(join(dst, STAGING_DIR_NAME))).toHaveLength(1);
    await resumeToEnd(s);
  });

  it('a clean close mid-transfer is peer_closed on both ends and keeps .part and the sender record', async () => {
    const s = await setup(50);
    const [a, b] = createMemoryChannelPair();
    s.tx.attach(closeAtChunk(a, 100));
    s.rx.attach(b);
    const [te, re] = await Promise.all([settle(s.tx.result), settle(s.rx.result)]);
    expect(re?.code, re?.message).toBe('peer_closed');
    expect(te?.code, te?.message).toBe('peer_closed');
    expect(await exists(s.record)).toBe(true);
    expect(await readdir(join(dst, STAGING_DIR_NAME))).toHaveLength(1);
    await resumeToEnd(s);
  });

  it('a cancel still deletes both the sender record and the .part', async () => {
    const s = await setup(50);
    const [a, b] = createMemoryChannelPair();
    s.tx.attach(a);
    s.rx.attach(b);
    await new Promise<void>((r) => s.rx.once('progress', () => r()));
    s.rx.cancel();
    const [te, re] = await Promise.all([settle(s.tx.result), settle(s.rx.result)]);
    expect(te?.details).toMatchObject({ by: 'remote', reason: 'user' });
    expect(re?.details).toMatchObject({ by: 'local', reason: 'user' });
    expect(await exists(s.record)).toBe(false);
    expect(await readdir(dst)).toEqual([]);
  });
});
