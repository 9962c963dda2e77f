// Store-and-forward with the real CLI in separate processes, a real signaling server and a real
// relay process: an offline recipient gets the file later; `--relay never` fails clearly;
// `--relay only` never opens a peer connection; neither the relay's disk nor signaling's store
// ever holds a plaintext byte or the file name.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll } from '../cli/cli-harness.ts';
import { filesContaining, type RelayLab, startRelayLab } from './relay-lab.ts';

let lab: RelayLab;

beforeAll(async () => {
  lab = await startRelayLab();
}, 120_000);
afterAll(async () => {
  killAll();
  await lab?.close();
});

function events(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const sha256 = async (p: string) =>
  createHash('sha256')
    .update(await readFile(p))
    .digest('hex');

/** A file whose bytes repeat a recognisable marker, so a plaintext leak is easy to find. */
async function markedFile(dir: string, name: string, size: number, marker: string): Promise<string> {
  const unit = Buffer.concat([Buffer.from(marker), randomBytes(64)]);
  const body = Buffer.alloc(size);
  for (let at = 0; at < size; at += unit.length) unit.copy(body, at);
  const file = join(dir, name);
  await writeFile(file, body);
  return file;
}

describe('store-and-forward relay (CLI)', () => {
  it('delivers to an offline recipient: the sender uploads and exits, the recipient connects later and gets the file byte-identical; no plaintext or name on the relay or in the store', async () => {
    const { alice, bob } = lab;
    const marker = `PLAINTEXT-MARKER-${randomBytes(6).toString('hex')}`;
    const name = `secret-plan-${randomBytes(4).toString('hex')}.bin`;
    const file = await markedFile(alice.home, name, 3 * 1024 * 1024 + 17, marker);

    const tx = await alice.run(['--json', 'send', file, '--to', bob.username], { timeoutMs: 60_000 });
    expect(tx.code, tx.stderr).toBe(0);
    const txEvents = events(tx.stdout);
    expect(txEvents).toContainEqual(expect.objectContaining({ event: 'connected', path: 'relay' }));
    expect(txEvents.find((e) => e.event === 'offered')).toBeUndefined();

    // The object waits on the relay's disk and the notice in signaling's store: ciphertext and ids only.
    const needles = [Buffer.from(marker), Buffer.from(name), Buffer.from(name.replace('.bin', ''))];
    expect(await filesContaining(lab.relayDataDir, needles)).toEqual([]);
    expect(await filesContaining(lab.signaling.dataDir, needles)).toEqual([]);

    const dir = await mkdtemp(join(bob.home, 'in-'));
    const rx = await bob.run(['--json', 'receive', '--yes', '--dir', dir], { timeoutMs: 60_000 });
    expect(rx.code, rx.stderr).toBe(0);
    const rxEvents = events(rx.stdout);
    expect(rxEvents).toContainEqual(
      expect.objectContaining({ event: 'offer', via: 'relay', from: alice.username }),
    );
    expect(rxEvents).toContainEqual(expect.objectContaining({ event: 'connected', path: 'relay' }));
    expect(await sha256(join(dir, name))).toBe(await sha256(file));
    // Picked up: the relay deleted the object (only the empty objects folder and its database remain).
    expect(await filesContaining(lab.relayDataDir, [Buffer.from(marker)])).toEqual([]);
  }, 90_000);

  it('--relay never fails with a typed peer_offline error (exit 4) when the recipient is offline', async () => {
    const { alice, bob } = lab;
    const file = join(alice.home, 'never.bin');
    await writeFile(file, randomBytes(1000));
    const r = await alice.run(['--json', 'send', file, '--to', bob.username, '--relay', 'never'], {
      timeoutMs: 30_000,
    });
    expect(r.code).toBe(4);
    expect(events(r.stdout)).toContainEqual(
      expect.objectContaining({ event: 'error', code: 'peer_offline' }),
    );
  }, 60_000);

  it('--relay only never opens a peer connection, even to an online recipient', async () => {
    const { alice, bob } = lab;
    const file = join(alice.home, 'only.bin');
    await writeFile(file, randomBytes(700_000));
    const dir = await mkdtemp(join(bob.home, 'only-'));
    const rx = bob.spawn(['--json', 'receive', '--yes', '--dir', dir], { timeoutMs: 60_000 });
    await rx.waitFor(/"event":"ready"/u);
    const tx = await alice.run(['--json', 'send', file, '--to', bob.username, '--relay', 'only'], {
      timeoutMs: 60_000,
    });
    expect(tx.code, tx.stderr).toBe(0);
    const txEvents = events(tx.stdout);
    expect(txEvents.filter((e) => e.event === 'connected').map((e) => e.path)).toEqual(['relay']);
    expect(txEvents.some((e) => e.event === 'offered' || e.event === 'accepted')).toBe(false);
    const r = await rx.done;
    expect(r.code, r.stderr).toBe(0);
    const rxEvents = events(r.stdout);
    expect(rxEvents).toContainEqual(expect.objectContaining({ event: 'offer', via: 'relay' }));
    expect(rxEvents.filter((e) => e.event === 'connected').map((e) => e.path)).toEqual(['relay']);
    expect(await sha256(join(dir, 'only.bin'))).toBe(await sha256(file));
  }, 90_000);
});
