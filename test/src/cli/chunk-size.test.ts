// Chunk size negotiated before the offer (FORMAT.md §6, PROTOCOL.md `caps-query`/`caps`): two real
// CLI processes over @roamhq/wrtc use 255 KiB chunks by default; a receiver that advertises less
// gets its size; one that never answers (an older client) gets 64 KiB after the sender's timeout.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useBefriendedPair } from './cli-harness.ts';

const SIZE = 1_500_007; // several chunks at either size, and not a multiple of one
const KiB = 1024;

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const events = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const eventOf = (stdout: string, name: string) => events(stdout).find((e) => e.event === name);

const pair = useBefriendedPair('chunka', 'chunkb');

describe('negotiated chunk size, Node CLI ↔ Node CLI', () => {
  it.each([
    {
      name: 'default: 255 KiB (both ends carry 256 KiB messages)',
      rxEnv: {},
      txEnv: {},
      expected: 255 * KiB,
    },
    {
      name: 'receiver caps its advertisement at 64 KiB',
      rxEnv: { HYPERSEND_MAX_CHUNK_SIZE: String(64 * KiB) },
      txEnv: {},
      expected: 64 * KiB,
    },
    {
      name: 'sender caps its own at 128 KiB',
      rxEnv: {},
      txEnv: { HYPERSEND_MAX_CHUNK_SIZE: String(128 * KiB) },
      expected: 128 * KiB,
    },
    {
      name: 'receiver never answers (older client): 64 KiB after the timeout',
      rxEnv: { HYPERSEND_ANSWER_CHUNK_QUERIES: '0' },
      txEnv: {},
      expected: 64 * KiB,
    },
  ])(
    '$name',
    async ({ name, rxEnv, txEnv, expected }) => {
      const file = join(pair.a.home, `chunks-${expected}-${Object.keys(rxEnv).length}.bin`);
      const bytes = randomBytes(SIZE);
      await writeFile(file, bytes);
      const dir = await mkdtemp(join(pair.b.home, 'in-'));
      const rx = pair.b.spawn(['receive', '--yes', '--dir', dir, '--json'], {
        timeoutMs: 60_000,
        env: rxEnv,
      });
      await rx.waitFor(/"event":"ready"/u);
      const started = performance.now();
      const txp = pair.a.spawn(['send', file, '--to', pair.b.username, '--json'], {
        timeoutMs: 60_000,
        env: txEnv,
      });
      await txp.waitFor(/"event":"offered"/u, 30_000);
      const untilOffered = performance.now() - started;
      const tx = await txp.done;
      const r = await rx.done;
      expect(tx.code, `${name}\n${tx.stdout}${tx.stderr}`).toBe(0);
      expect(r.code, `${name}\n${r.stdout}${r.stderr}`).toBe(0);
      // Both ends say which size they used, and the file needed that many chunks.
      expect(eventOf(tx.stdout, 'connected')?.chunkSize).toBe(expected);
      expect(eventOf(r.stdout, 'offer')?.chunkSize).toBe(expected);
      expect(eventOf(r.stdout, 'connected')?.chunkSize).toBe(expected);
      expect(eventOf(tx.stdout, 'done')).toMatchObject({
        chunkSize: expected,
        chunks: Math.ceil(SIZE / expected),
      });
      expect(sha256(await readFile(join(dir, file.split('/').pop() ?? '')))).toBe(sha256(bytes));
      // The silent receiver costs the sender its whole 3 s query timeout, and no more than that
      // plus a loaded machine's start-up; the others do not wait for it.
      if ('HYPERSEND_ANSWER_CHUNK_QUERIES' in rxEnv) expect(untilOffered).toBeGreaterThanOrEqual(2900);
    },
    90_000,
  );
});
