// Connection failure mid-transfer, no process killed: the RTCPeerConnection under the SDK is
// destroyed on one side; the SDK negotiates a new PeerSession through signaling on its own and
// the transfer continues from the last acknowledged chunk.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open as openFile, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { SdkPeerProcess } from './sdk-peer.ts';

const MB = 1024 * 1024;
const SIZE = 64 * MB;
/** The engine's default window, 32 MiB of chunks: the most a resume may send twice. */
const WINDOW_BYTES = 32 * MB;

let server: TestServer;
let root: string;
let srcFile: string;
let srcHash: string;
const peers: SdkPeerProcess[] = [];

beforeAll(async () => {
  server = await startTestServer();
  root = await mkdtemp(join(tmpdir(), 'hs-connloss-'));
  srcFile = join(root, 'big.bin');
  const fh = await openFile(srcFile, 'w');
  for (let i = 0; i < SIZE / MB; i++) await fh.write(randomBytes(MB));
  await fh.close();
  srcHash = createHash('sha256')
    .update(await readFile(srcFile))
    .digest('hex');
});
afterEach(() => {
  for (const p of peers.splice(0)) p.kill();
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

async function pair(): Promise<{ tx: SdkPeerProcess; rx: SdkPeerProcess; dir: string; bob: string }> {
  const tx = new SdkPeerProcess(server.url, await mkdtemp(join(root, 'state-a-')));
  const rx = new SdkPeerProcess(server.url, await mkdtemp(join(root, 'state-b-')));
  peers.push(tx, rx);
  const [a, b] = await Promise.all([tx.waitFor('ready', 30_000), rx.waitFor('ready', 30_000)]);
  tx.send({ t: 'befriend-request', username: b.username });
  await tx.waitFor('ok', 10_000, (m) => m.cmd === 'befriend-request');
  rx.send({ t: 'befriend-accept', username: a.username });
  await rx.waitFor('ok', 10_000, (m) => m.cmd === 'befriend-accept');
  const dir = await mkdtemp(join(root, 'rx-'));
  rx.send({ t: 'receive', dir });
  await rx.waitFor('ok', 10_000, (m) => m.cmd === 'receive');
  return { tx, rx, dir, bob: b.username };
}

describe('connection failure mid-transfer (two processes, real WebRTC)', { timeout: 180_000 }, () => {
  it.each(['receiver', 'sender'] as const)(
    'the %s loses its RTCPeerConnection: the SDK reconnects through signaling and resumes',
    async (side) => {
      const { tx, rx, dir, bob } = await pair();
      tx.send({ t: 'send', to: bob, path: srcFile });
      await rx.waitFor('progress', 60_000, (m) => m.bytes >= 16 * MB);
      const victim = side === 'receiver' ? rx : tx;
      victim.send({ t: 'drop' });
      expect((await victim.waitFor('dropped', 5_000)).count).toBeGreaterThan(0);
      const [sent, got] = await Promise.all([tx.waitFor('done', 120_000), rx.waitFor('done', 120_000)]);
      console.info(`${side} drop: resent ${sent.resentChunks} chunks, ${sent.connections} connections`);
      expect(got.sha256).toBe(srcHash);
      expect(got.bytes).toBe(SIZE);
      expect(sent.connections).toBeGreaterThanOrEqual(2);
      expect(got.connections).toBeGreaterThanOrEqual(2);
      // Chunks are negotiated (255 KiB between two @roamhq/wrtc ends); the window is in bytes.
      expect(sent.chunkSize).not.toBeNull();
      expect(sent.resentChunks).toBeLessThanOrEqual(Math.floor(WINDOW_BYTES / (sent.chunkSize ?? 1)));
      for (const p of [tx, rx])
        expect(p.log.filter((m) => m.t === 'connected').length).toBeGreaterThanOrEqual(2);
      expect(await readdir(dir)).toEqual(['big.bin']);
    },
  );
});
