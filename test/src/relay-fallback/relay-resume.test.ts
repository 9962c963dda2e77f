// Resumability of the relay path, with the real CLI, signaling and relay processes: the relay is
// SIGKILLed mid-upload and restarted (the SDK continues from its durable offset); the sender is
// SIGKILLed mid-upload and run again (its resume state continues the same upload); a download cut
// mid-way continues with an HTTP Range from the next chunk. Every file arrives byte-identical.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

async function randomFile(name: string, size: number): Promise<string> {
  const file = join(lab.alice.home, name);
  await writeFile(file, randomBytes(size));
  return file;
}

/** Bob picks up what waits for him and must get `file` byte-identical. */
async function pickUp(file: string, name: string): Promise<void> {
  const dir = await mkdtemp(join(lab.bob.home, 'in-'));
  const rx = await lab.bob.run(['--json', 'receive', '--yes', '--dir', dir], { timeoutMs: 60_000 });
  expect(rx.code, rx.stderr).toBe(0);
  expect(await sha256(join(dir, name))).toBe(await sha256(file));
}

const uploadsCreated = () =>
  lab.front.seen.filter((r) => r.method === 'POST' && r.path === '/v1/uploads').length;

describe('relay path resumes', () => {
  it('continues the upload from the relay’s durable offset after the relay is killed mid-upload and restarted', async () => {
    const file = await randomFile('relay-crash.bin', 12 * MiB);
    const created = uploadsCreated();
    const tx = lab.alice.spawn(
      ['--json', 'send', file, '--to', lab.bob.username, '--relay', 'only', '--limit-rate', '4M'],
      { timeoutMs: 90_000 },
    );
    await progressAtLeast(tx.stdout, 4 * MiB); // the first 4 MiB PATCH is on the relay's disk
    const headsBefore = lab.front.seen.filter((r) => r.method === 'HEAD').length;
    await lab.restartRelay();
    const r = await tx.done;
    expect(r.code, r.stderr).toBe(0);
    expect(jsonEvents(r.stdout)).toContainEqual(expect.objectContaining({ event: 'done' }));
    // One upload, resumed (HEAD for the offset), not started over.
    expect(uploadsCreated() - created).toBe(1);
    expect(lab.front.seen.filter((x) => x.method === 'HEAD').length).toBeGreaterThan(headsBefore);
    await pickUp(file, 'relay-crash.bin');
  }, 120_000);

  it('a sender killed mid-upload and run again continues the same upload', async () => {
    const file = await randomFile('sender-crash.bin', 12 * MiB);
    const created = uploadsCreated();
    const args = ['--json', 'send', file, '--to', lab.bob.username, '--relay', 'only', '--limit-rate', '3M'];
    const first = lab.alice.spawn(args, { timeoutMs: 60_000 });
    await progressAtLeast(first.stdout, 4 * MiB); // one PATCH durable, the next one in flight
    first.child.kill('SIGKILL');
    await first.done;
    expect(jsonEvents(first.stdout()).some((e) => e.event === 'done')).toBe(false); // killed mid-upload
    const second = await lab.alice.run(args, { timeoutMs: 60_000 });
    expect(second.code, second.stderr).toBe(0);
    expect(uploadsCreated() - created).toBe(1);
    // The second run sent only what the relay did not have yet.
    const firstProgress = jsonEvents(second.stdout).find((e) => e.event === 'progress');
    expect(firstProgress?.bytes as number).toBeGreaterThan(0);
    await pickUp(file, 'sender-crash.bin');
  }, 120_000);

  it('a download cut mid-way continues with a Range from the next chunk', async () => {
    const file = await randomFile('cut.bin', 3 * MiB + 123);
    const tx = await lab.alice.run(['--json', 'send', file, '--to', lab.bob.username, '--relay', 'only'], {
      timeoutMs: 60_000,
    });
    expect(tx.code, tx.stderr).toBe(0);
    const before = lab.front.seen.length;
    lab.front.cutNextDownload(MiB + 5000);
    await pickUp(file, 'cut.bin');
    const reads = lab.front.seen
      .slice(before)
      .filter((r) => r.method === 'GET' && /^bytes=\d+-$/u.test(r.range ?? ''))
      .map((r) => Number(/^bytes=(\d+)-$/u.exec(r.range ?? '')?.[1]));
    expect(reads.length).toBe(2);
    const [start, resumedAt] = reads as [number, number];
    // The second read starts at a chunk boundary past what the first one delivered.
    expect(resumedAt).toBeGreaterThan(start + MiB / 2);
    expect(resumedAt).toBeLessThanOrEqual(start + MiB + 5000);
  }, 90_000);
});
