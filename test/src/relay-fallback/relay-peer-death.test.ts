// A transfer that starts peer-to-peer and finishes through the relay: the receiving CLI is
// SIGKILLed mid-transfer, the sender's connection stays dead, so it uploads the remaining chunks
// (from the last acknowledged one) to the relay and exits; the receiver's restarted CLI picks the
// rest up from the relay, resuming its own `.part`, and the file is byte-identical.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { killAll } from '../cli/cli-harness.ts';
import { jsonEvents, progressAtLeast, type RelayLab, startRelayLab } from './relay-lab.ts';

let lab: RelayLab;

beforeAll(async () => {
  lab = await startRelayLab();
}, 120_000);
afterAll(async () => {
  killAll();
  await lab?.close();
});

const MiB = 1024 * 1024;
const sha256 = async (p: string) =>
  createHash('sha256')
    .update(await readFile(p))
    .digest('hex');

it('finishes through the relay after the receiver dies mid-transfer; the restarted receiver gets a byte-identical file', async () => {
  const { alice, bob } = lab;
  const file = join(alice.home, 'p2p-then-relay.bin');
  await writeFile(file, randomBytes(6 * MiB));
  const dir = await mkdtemp(join(bob.home, 'in-'));

  const rx = bob.spawn(['--json', 'receive', '--yes', '--dir', dir], { timeoutMs: 60_000 });
  await rx.waitFor(/"event":"ready"/u);
  const tx = alice.spawn(
    ['--json', 'send', file, '--to', bob.username, '--limit-rate', '2M', '--relay-after', '2'],
    { timeoutMs: 90_000 },
  );
  await progressAtLeast(rx.stdout, (3 * MiB) / 2);
  rx.child.kill('SIGKILL');
  await rx.done;

  const sent = await tx.done;
  expect(sent.code, sent.stderr).toBe(0);
  const paths = jsonEvents(sent.stdout)
    .filter((e) => e.event === 'connected')
    .map((e) => e.path);
  expect(paths[0]).toMatch(/^(direct|turn)$/u);
  expect(paths.at(-1)).toBe('relay');

  const again = await bob.run(['--json', 'receive', '--yes', '--dir', dir], { timeoutMs: 60_000 });
  expect(again.code, again.stderr).toBe(0);
  const events = jsonEvents(again.stdout);
  expect(events).toContainEqual(expect.objectContaining({ event: 'offer', via: 'relay' }));
  // It resumed its `.part`: the relay object starts past chunk 0 and the first read skips ahead.
  const objectReads = lab.front.seen.filter((r) => r.method === 'GET' && /^bytes=\d+-$/u.test(r.range ?? ''));
  expect(Number(/^bytes=(\d+)-$/u.exec(objectReads.at(-1)?.range ?? '')?.[1])).toBeGreaterThan(0);
  expect(await sha256(join(dir, 'p2p-then-relay.bin'))).toBe(await sha256(file));
}, 120_000);
