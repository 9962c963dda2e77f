// The real `hypersend` CLI in separate processes: send/receive byte-identical files and trees,
// decline, cancel from either side, a receiver killed mid-transfer that resumes, --json events.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useBefriendedPair } from './cli-harness.ts';

function sha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

function events(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Start `receive` on b and wait until it is listening. */
async function receiver(args: string[]) {
  const rx = pair.b.spawn(['receive', ...args], { timeoutMs: 180_000 });
  await rx.waitFor(/waiting for an offer|"event":"ready"/u);
  return rx;
}

async function writeRandom(path: string, size: number): Promise<void> {
  // In 8 MiB pieces: 100 MB at once would be a needless 100 MB allocation.
  await writeFile(path, '');
  const { open } = await import('node:fs/promises');
  const fh = await open(path, 'w');
  for (let done = 0; done < size; ) {
    const n = Math.min(8 << 20, size - done);
    await fh.write(randomBytes(n));
    done += n;
  }
  await fh.close();
}

const pair = useBefriendedPair('alice', 'bob');

describe('hypersend send / receive', () => {
  it.each([0, 1, 65_535, 65_537])(
    'sends %i bytes byte-identical',
    async (size) => {
      const file = join(pair.a.home, `f${size}.bin`);
      await writeFile(file, randomBytes(size));
      const dir = await mkdtemp(join(pair.b.home, 'in-'));
      const rx = await receiver(['--yes', '--dir', dir]);
      const tx = await pair.a.run(['send', file, '--to', pair.b.username], { timeoutMs: 60_000 });
      expect(tx.code, tx.stderr).toBe(0);
      const r = await rx.done;
      expect(r.code, r.stderr).toBe(0);
      expect(await sha256(join(dir, `f${size}.bin`))).toBe(await sha256(file));
    },
    90_000,
  );

  it('sends a folder tree and 100 MB with --json events that parse', async () => {
    const root = join(pair.a.home, 'tree');
    await mkdir(join(root, 'x', 'y'), { recursive: true });
    await writeFile(join(root, 'empty'), '');
    await writeFile(join(root, 'x', 'a.txt'), 'hello');
    await writeRandom(join(root, 'x', 'y', 'big.bin'), 100_000_000);
    const dir = await mkdtemp(join(pair.b.home, 'in-'));
    const rx = await receiver(['--yes', '--dir', dir, '--json']);
    const tx = await pair.a.run(['send', root, '--to', pair.b.username, '--json'], { timeoutMs: 170_000 });
    expect(tx.code, tx.stderr).toBe(0);
    const r = await rx.done;
    expect(r.code, r.stderr).toBe(0);
    for (const p of ['empty', 'x/a.txt', 'x/y/big.bin'])
      expect(await sha256(join(dir, 'tree', p))).toBe(await sha256(join(root, p)));
    const sent = events(tx.stdout);
    expect(sent.map((e) => e.event)).toEqual(
      expect.arrayContaining(['offered', 'accepted', 'progress', 'done']),
    );
    const progress = sent.filter((e) => e.event === 'progress');
    expect(progress.at(-1)).toMatchObject({ bytes: 100_000_005, total: 100_000_005, path: 'direct' });
    const got = events(r.stdout);
    const offer = got.find((e) => e.event === 'offer');
    expect(offer?.files).toEqual([
      { path: 'tree/empty', size: 0 },
      { path: 'tree/x/a.txt', size: 5 },
      { path: 'tree/x/y/big.bin', size: 100_000_000 },
    ]);
    expect(got.at(-1)).toMatchObject({ event: 'done', bytes: 100_000_005 });
  }, 180_000);

  it('decline: the receiver answers "n", the sender exits 5', async () => {
    const file = join(pair.a.home, 'declined.bin');
    await writeFile(file, randomBytes(100));
    const dir = await mkdtemp(join(pair.b.home, 'in-'));
    const rx = await receiver(['--dir', dir]);
    const tx = pair.a.spawn(['send', file, '--to', pair.b.username], { timeoutMs: 60_000 });
    await rx.waitFor(/Accept\? \[y\/N\]/u);
    rx.write('n\n');
    const [t, r] = await Promise.all([tx.done, rx.done]);
    expect(t.code, t.stderr).toBe(5);
    expect(t.stderr).toContain('declined');
    expect(r.code).toBe(5);
  }, 90_000);

  async function startBigTransfer(name: string, progressed = /progress [1-9]\d?%/u) {
    const file = join(pair.a.home, name);
    await writeRandom(file, 100_000_000);
    const dir = await mkdtemp(join(pair.b.home, 'in-'));
    const rx = await receiver(['--yes', '--dir', dir]);
    const tx = pair.a.spawn(['send', file, '--to', pair.b.username], { timeoutMs: 170_000 });
    await rx.waitFor(progressed, 60_000);
    return { file, dir, rx, tx };
  }

  it('Ctrl-C on the sender: sender exits 130, the receiver says the sender cancelled (6)', async () => {
    const { rx, tx } = await startBigTransfer('cancel-tx.bin');
    tx.child.kill('SIGINT');
    const [t, r] = await Promise.all([tx.done, rx.done]);
    expect(t.code).toBe(130);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/cancelled by the sender/u);
  }, 180_000);

  it('Ctrl-C on the receiver: receiver exits 130, the sender says the receiver cancelled (6)', async () => {
    const { rx, tx } = await startBigTransfer('cancel-rx.bin');
    rx.child.kill('SIGINT');
    const [t, r] = await Promise.all([tx.done, rx.done]);
    expect(r.code).toBe(130);
    expect(t.code).toBe(6);
    expect(t.stderr).toMatch(/cancelled by the receiver/u);
  }, 180_000);

  it('a receiver killed mid-transfer and restarted resumes; the hash matches', async () => {
    const { file, dir, rx, tx } = await startBigTransfer('resume.bin', /progress [3-9]\d%/u);
    rx.child.kill('SIGKILL');
    await rx.done;
    const again = pair.b.spawn(['receive', '--yes', '--dir', dir], { timeoutMs: 170_000 });
    const [t, r] = await Promise.all([tx.done, again.done]);
    expect(r.code, r.stderr).toBe(0);
    expect(t.code, t.stderr).toBe(0);
    // Resumed, not restarted: the second receiver never reports less than a quarter done.
    expect(r.stderr).not.toMatch(/progress (\d|1\d|2[0-4])% /u);
    // The sender said it lost the receiver, then offered again (once it was back).
    expect(t.stdout).toMatch(/connection lost; waiting for it to resume/u); // killed: no goodbye
    expect(t.stdout.match(/offered to /gu)?.length ?? 0, t.stdout).toBeGreaterThanOrEqual(2);
    expect(await sha256(join(dir, 'resume.bin'))).toBe(await sha256(file));
  }, 180_000);
});
