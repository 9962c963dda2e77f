// The real `hypersend` CLI: the SENDER process is killed (SIGKILL, no goodbye) mid-transfer and the
// same `send` command is run again. The receiver process keeps running; the restarted sender
// restores its record (same transfer id, key and manifest), re-offers, and continues from the
// receiver's durable chunk — it does not start over — and the file arrives byte-identical.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useBefriendedPair } from './cli-harness.ts';

const SIZE = 32_000_000;
/** Negotiated by the first sender (both ends libwebrtc: 256 KiB messages); the restored one keeps it. */
const CHUNK = 255 * 1024;

function sha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

function jsonEvents(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Bytes the receiver reported stored so far (its last JSON progress event). */
function receivedBytes(stdout: string): number {
  const last = jsonEvents(stdout)
    .filter((e) => e.event === 'progress')
    .at(-1);
  return typeof last?.bytes === 'number' ? last.bytes : 0;
}

const pair = useBefriendedPair('alice', 'bob');

describe('hypersend send: sender killed and restarted', () => {
  it('resumes from the receiver’s acknowledged chunk and completes byte-identical', async () => {
    const file = join(pair.a.home, 'restart.bin');
    const fh = await open(file, 'w');
    for (let done = 0; done < SIZE; done += 8 << 20)
      await fh.write(randomBytes(Math.min(8 << 20, SIZE - done)));
    await fh.close();
    const dir = await mkdtemp(join(pair.b.home, 'in-'));
    const rx = pair.b.spawn(['receive', '--yes', '--dir', dir, '--json'], { timeoutMs: 240_000 });
    await rx.waitFor(/"event":"ready"/u);
    // Slowed down so the kill lands mid-transfer even on a quiet machine (32 MB at 3 MB/s ≈ 11 s).
    const args = ['send', file, '--to', pair.b.username, '--json', '--limit-rate', '3M'];
    const first = pair.a.spawn(args, { timeoutMs: 120_000 });
    // Kill at a random point between ~20 % and ~60 % received.
    const killAt = SIZE * (0.2 + Math.random() * 0.4);
    const deadline = Date.now() + 90_000;
    while (receivedBytes(rx.stdout()) < killAt) {
      if (Date.now() > deadline) throw new Error(`no progress to ${killAt}: ${rx.stderr()}`);
      if (first.child.exitCode !== null) throw new Error(`sender exited early: ${first.stderr()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    first.child.kill('SIGKILL');
    await first.done;
    const storedAtKill = receivedBytes(rx.stdout());

    const again = pair.a.spawn(
      args.filter((x) => x !== '--limit-rate' && x !== '3M'),
      { timeoutMs: 170_000 },
    );
    const [t, r] = await Promise.all([again.done, rx.done]);
    expect(t.code, t.stderr).toBe(0);
    expect(r.code, r.stderr).toBe(0);
    expect(await sha256(join(dir, 'restart.bin'))).toBe(await sha256(file));

    const done = jsonEvents(t.stdout).find((e) => e.event === 'done');
    const chunks = Math.ceil(SIZE / CHUNK);
    const firstConnected = jsonEvents(first.stdout()).find((e) => e.event === 'connected');
    expect(firstConnected?.chunkSize).toBe(CHUNK);
    // The restored sender resends under its recorded manifest: same chunk size, no new query.
    expect(done).toMatchObject({ bytes: SIZE, chunks, chunkSize: CHUNK });
    // Resumed, not restarted: the second sender sent only what the receiver did not have when it
    // reattached (it commits everything it holds first), so at most the chunks after the point it
    // had stored when the first sender died.
    const sent = done?.sentChunks as number;
    expect(sent).toBeGreaterThan(0);
    expect(sent, `sent ${sent} of ${chunks}, stored at kill ${storedAtKill}`).toBeLessThanOrEqual(
      chunks - Math.floor(storedAtKill / CHUNK),
    );
    // The receiver process never went back: its progress after the restart stays at or above it.
    const after = jsonEvents(r.stdout)
      .filter((e) => e.event === 'progress')
      .map((e) => e.bytes as number);
    expect(Math.min(...after.slice(after.findIndex((x) => x >= storedAtKill)))).toBeGreaterThanOrEqual(
      storedAtKill,
    );
  }, 240_000);
});
