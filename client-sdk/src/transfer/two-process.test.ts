// Two processes over real PeerSessions (@roamhq/wrtc), signals relayed by this process: a 100 MB
// transfer, and resume after killing the receiver or the sender at a random point.
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, open as openFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TransferPair } from './fixtures/transfer-pair.ts';
import { sha256File } from './test-support.ts';

const MB = 1024 * 1024;
const SIZE = 100 * MB;
const WINDOW = 16 * MB;
const STEP_MS = 30_000;
const TRANSFER_MS = 150_000;

let root: string;
let srcFile: string;
let srcHash: string;
let pair: TransferPair;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'hs-2p-'));
  srcFile = join(root, 'big.bin');
  const fh = await openFile(srcFile, 'w');
  for (let i = 0; i < SIZE / MB; i++) await fh.write(randomBytes(MB));
  await fh.close();
  srcHash = await sha256File(srcFile);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
afterEach(() => pair.killAll());

async function freshDirs(): Promise<{ dir: string; stateDir: string }> {
  return { dir: await mkdtemp(join(root, 'rx-')), stateDir: await mkdtemp(join(root, 'state-')) };
}

describe('transfer between two processes over WebRTC', { timeout: 300_000 }, () => {
  it('sends 100 MB byte-identical over a direct path', async () => {
    pair = new TransferPair();
    const { dir, stateDir } = await freshDirs();
    const tx = pair.spawn({ role: 'sender', path: srcFile, stateDir, windowBytes: WINDOW });
    const offer = await tx.waitFor('offer', STEP_MS);
    const rx = pair.spawn({ role: 'receiver', dir });
    rx.send({ t: 'offer', envelope: offer.envelope });
    await rx.waitFor('accepted', STEP_MS);
    pair.connect(1);
    const [sent, got] = await Promise.all([tx.waitFor('done', TRANSFER_MS), rx.waitFor('done', TRANSFER_MS)]);
    expect(sent.result.bytes).toBe(SIZE);
    expect(got.result.bytes).toBe(SIZE);
    expect(await sha256File(join(dir, 'big.bin'))).toBe(srcHash);
    expect(await readdir(dir)).toEqual(['big.bin']);
    expect(await readdir(stateDir)).toEqual([]); // sender record removed when done
    expect(tx.log.some((m) => m.t === 'progress' && m.path === 'direct')).toBe(true);
  });

  it('resumes after the receiver process is killed at a random point', async () => {
    pair = new TransferPair();
    const { dir, stateDir } = await freshDirs();
    const tx = pair.spawn({ role: 'sender', path: srcFile, stateDir, windowBytes: WINDOW });
    const offer = await tx.waitFor('offer', STEP_MS);
    const rx1 = pair.spawn({ role: 'receiver', dir });
    rx1.send({ t: 'offer', envelope: offer.envelope });
    await rx1.waitFor('accepted', STEP_MS);
    pair.connect(1);
    const killAt = randomInt(20, 70) * MB;
    await rx1.waitFor('progress', TRANSFER_MS, (m) => m.bytes >= killAt);
    rx1.kill();

    const rx2 = pair.spawn({ role: 'receiver', dir });
    rx2.send({ t: 'offer', envelope: offer.envelope });
    const accepted = await rx2.waitFor('accepted', STEP_MS);
    expect(accepted.nextChunk).toBeGreaterThan(0); // from the durable progress record
    pair.connect(2); // the sender drops its dead session and attaches a new one
    const [sent] = await Promise.all([tx.waitFor('done', TRANSFER_MS), rx2.waitFor('done', TRANSFER_MS)]);
    expect(await sha256File(join(dir, 'big.bin'))).toBe(srcHash);
    expect(sent.result.connections).toBe(2);
    expect(sent.result.resentChunks).toBeLessThanOrEqual(offer.windowChunks);
  });

  it('resumes after the sender process is killed and restarted with the same file', async () => {
    pair = new TransferPair();
    const { dir, stateDir } = await freshDirs();
    const tx1 = pair.spawn({ role: 'sender', path: srcFile, stateDir, windowBytes: WINDOW });
    const offer = await tx1.waitFor('offer', STEP_MS);
    const rx = pair.spawn({ role: 'receiver', dir });
    rx.send({ t: 'offer', envelope: offer.envelope });
    await rx.waitFor('accepted', STEP_MS);
    pair.connect(1);
    const killAt = randomInt(20, 70) * MB;
    await tx1.waitFor('progress', TRANSFER_MS, (m) => m.bytes >= killAt);
    tx1.kill();
    // The last report before the kill bounds what the dead sender had handed to its channel.
    const lastSeen = tx1.log.filter((m) => m.t === 'progress').at(-1);

    const tx2 = pair.spawn({
      role: 'sender',
      stateDir,
      restoreId: offer.envelope.transferId,
      windowBytes: WINDOW,
    });
    const offer2 = await tx2.waitFor('offer', STEP_MS);
    expect(offer2.envelope).toEqual(offer.envelope); // same id, key seal and manifest
    pair.connect(2);
    const [sent] = await Promise.all([tx2.waitFor('done', TRANSFER_MS), rx.waitFor('done', TRANSFER_MS)]);
    expect(await sha256File(join(dir, 'big.bin'))).toBe(srcHash);
    // The restarted sender began at the receiver's RESUME_FROM k and sent k..end once; the dead
    // sender had handed out at least 0..lastSeen.highestSent. The overlap is what went twice.
    const k = sent.result.chunkCount - sent.result.sentChunks;
    const deadHighest = lastSeen?.t === 'progress' ? (lastSeen.highestSent ?? -1) : -1;
    expect(k).toBeGreaterThan(0);
    expect(sent.result.resentChunks).toBe(0);
    expect(Math.max(0, deadHighest + 1 - k)).toBeLessThanOrEqual(offer.windowChunks);
    expect(sent.result.bytes).toBe(SIZE);
  });
});
