// The signaling server restarts (same data dir and signing key, behind a fixed front address) in
// the middle of a CLI transfer: the transfer keeps flowing over the data channel that is already up
// and completes byte-identical, and both CLIs' signaling clients reconnect meanwhile. The sender
// runs with --limit-rate so the transfer outlasts the reconnect on any machine (on a fast one an
// unthrottled 100 MB finished before the CLIs came back, and there was nothing left to observe).
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type FrontPort, frontPort } from '../helpers/front-port.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { randomUsername } from '../helpers/users.ts';
import { befriendViaCli, killAll, Peer } from './cli-harness.ts';

const SIZE = 40 * 1024 * 1024;
/** 2 MiB/s: the transfer takes about 20 s, the restart and reconnect well under 10 s. */
const RATE = '2M';
const RATE_BYTES = 2 * 1024 * 1024;

function sha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

/** Open WebSocket connections on `server`, from its Prometheus gauge. */
async function wsConnections(server: TestServer): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const m = /^hypersend_ws_connections(?:\{\})? (\d+)/mu.exec(text);
  return m ? Number(m[1]) : 0;
}

describe('signaling restart during a CLI transfer', () => {
  const servers: TestServer[] = [];
  let front: FrontPort | undefined;
  let dataDir = '';
  const peers: Peer[] = [];

  afterAll(async () => {
    killAll();
    for (const p of peers) await p.cleanup();
    for (const s of servers) await s.close().catch(() => undefined);
    await front?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('a flowing transfer keeps flowing and completes byte-identical; both CLIs reconnect', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'hs-cli-restart-'));
    const env: Record<string, string> = {
      HYPERSEND_DATA_DIR: dataDir,
      HYPERSEND_JWT_PRIVATE_KEY: generateKeyPairSync('ed25519')
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
    };
    front = await frontPort();
    // As in production, the public URL (the token issuer) stays the same across the restart, so
    // the access tokens the CLIs hold stay valid and they come straight back.
    env.HYPERSEND_PUBLIC_URL = front.url;
    const first = await startTestServer(env);
    servers.push(first);
    front.target(Number(new URL(first.url).port));

    const a = await Peer.create(front.url, randomUsername('alice'));
    const b = await Peer.create(front.url, randomUsername('bob'));
    peers.push(a, b);
    await befriendViaCli(a, b);
    const file = join(a.home, 'big.bin');
    const fh = await open(file, 'w');
    for (let done = 0; done < SIZE; done += 4 << 20)
      await fh.write(randomBytes(Math.min(4 << 20, SIZE - done)));
    await fh.close();
    const dir = await mkdtemp(join(b.home, 'in-'));

    const rx = b.spawn(['receive', '--yes', '--dir', dir], { timeoutMs: 170_000 });
    await rx.waitFor(/waiting for an offer/u);
    const sendStart = Date.now();
    const tx = a.spawn(['send', file, '--to', b.username, '--limit-rate', RATE], { timeoutMs: 170_000 });
    let txExited = false;
    void tx.done.then(() => {
      txExited = true;
    });
    await rx.waitFor(/progress [1-9]\d?%/u, 60_000);

    // Down: every signaling connection is cut at once (as when the process dies), then the old
    // life shuts down and a new one starts on the same data and key behind the same address.
    const down = Date.now();
    front.target(undefined);
    await first.close();
    const outputAtRestart = rx.stderr().length;
    const second = await startTestServer(env);
    servers.push(second);
    front.target(Number(new URL(second.url).port));
    const downMs = Date.now() - down;

    // Both CLIs come back while the transfer is still running.
    let reconnected = 0;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      reconnected = await wsConnections(second);
      if (reconnected >= 2 || txExited) {
        console.info(`signaling down ${downMs} ms; both CLIs back ${Date.now() - down} ms after the cut`);
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const reconnectedWhileSending = !txExited;
    const [t, r] = await Promise.all([tx.done, rx.done]);
    const sendMs = Date.now() - sendStart;
    expect(reconnected, 'both signaling clients reconnect to the new server').toBe(2);
    expect(reconnectedWhileSending, 'they came back while the transfer was still running').toBe(true);
    // --limit-rate held the average (the burst allowance is a tenth of a second's worth).
    expect(sendMs).toBeGreaterThan((SIZE / RATE_BYTES) * 1000 * 0.9);
    expect(t.code, t.stderr).toBe(0);
    expect(r.code, r.stderr).toBe(0);
    // Kept flowing: progress went on after the restart, on the one connection it started with.
    expect(r.stderr.slice(outputAtRestart)).toMatch(/progress 100%/u);
    for (const out of [t, r]) expect(`${out.stdout}${out.stderr}`.match(/connected \(/gu)?.length).toBe(1);
    expect(await sha256(join(dir, 'big.bin'))).toBe(await sha256(file));
  }, 180_000);
});
