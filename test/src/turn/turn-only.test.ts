// TURN-only ICE end to end: the real signaling server hands out TURN credentials for a real
// coturn, two `hypersend` CLI processes transfer a file with --turn-only (sender) and
// HYPERSEND_TURN_ONLY=1 (receiver), and both report the selected candidate pair as relayed.
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killAll, type Peer } from '../cli/cli-harness.ts';
import { startTurnLab, type TurnLab } from './turn-lab.ts';

const SECRET = 'Rl7yQ4wE9rT2yU5iO8pA1sD3fG6hJ0kL-turn-only';

let lab: TurnLab;
let a: Peer;
let b: Peer;

const sha256 = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
const events = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(async () => {
  lab = await startTurnLab({ secret: SECRET, ttlSeconds: 600 });
  ({ a, b } = lab);
}, 120_000);
afterEach(() => killAll());
afterAll(async () => {
  await lab?.close();
});

describe('turn-only transfer through coturn', () => {
  it('completes byte-identical and both sides report the relayed path', async () => {
    const file = join(a.home, 'private.bin');
    await writeFile(file, randomBytes(6 * 1024 * 1024 + 123));
    const rx = b.spawn(['receive', '--yes', '--dir', b.home, '--json'], {
      timeoutMs: 90_000,
      env: { HYPERSEND_TURN_ONLY: '1' },
    });
    await rx.waitFor(/"event":"ready"/u);
    const tx = await a.run(['send', file, '--to', b.username, '--turn-only', '--json'], {
      timeoutMs: 90_000,
    });
    const got = await rx.done;
    expect(tx.code, tx.stderr).toBe(0);
    expect(got.code, got.stderr).toBe(0);
    expect(await sha256(join(b.home, 'private.bin'))).toBe(await sha256(file));

    for (const out of [tx.stdout, got.stdout]) {
      const ev = events(out);
      // `connected` carries selectedPath(): the candidate pair getStats() reports as selected.
      expect(ev.filter((e) => e.event === 'connected').map((e) => e.path)).toEqual(['turn']);
      const paths = new Set(ev.filter((e) => e.event === 'progress').map((e) => e.path));
      expect([...paths]).toEqual(['turn']);
    }
  }, 120_000);
});
