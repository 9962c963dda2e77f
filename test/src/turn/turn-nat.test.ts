// A real NAT: each `hypersend` peer runs in its own namespace behind its own masquerading router
// (random, fully-random ports: symmetric-NAT-like), coturn and signaling sit on the "public"
// segment. Direct ICE cannot connect, so the transfer (not forced turn-only) must go through
// TURN and say so. Needs root (network namespaces); without them this test fails and says why.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../cli/cli-harness.ts';
import { buildNatLab, LAB, type NatLab } from '../fixtures/netns.ts';
import { type NsProcess, nsNode } from '../fixtures/netns-proc.ts';
import { randomUsername } from '../helpers/users.ts';

const SECRET = 'Nt4yQ7wE1rT8yU2iO5pA9sD6fG3hJ0kL-nat-lab';
const SERVICES = join(ROOT, 'test', 'src', 'fixtures', 'netns-services.ts');

let lab: NatLab | undefined;
let labError: unknown;
let services: NsProcess | undefined;
let signaling = '';
let home = '';
const running = new Set<NsProcess>();

const sha256 = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

/** Run the CLI as `user` inside namespace `ns`. */
function cli(ns: string, user: string, args: string[], timeoutMs = 60_000): NsProcess {
  const p = nsNode(
    ns,
    [BIN, ...args],
    {
      HYPERSEND_SERVER: signaling,
      XDG_CONFIG_HOME: join(home, user),
      HYPERSEND_PASSWORD: 'correct horse battery',
    },
    { cwd: ROOT, timeoutMs },
  );
  running.add(p);
  void p.done.then(() => running.delete(p));
  return p;
}

async function ok(ns: string, user: string, args: string[]): Promise<string> {
  const r = await cli(ns, user, args).done;
  if (r.code !== 0)
    throw new Error(`hypersend ${args.join(' ')} in ${ns} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'hs-nat-'));
  try {
    lab = await buildNatLab();
  } catch (err) {
    labError = err; // reported by the test itself: this test fails, it is never skipped
    return;
  }
  services = nsNode(
    lab.pub,
    ['--import', 'tsx', SERVICES],
    { LAB_PUB_IP: LAB.pubIp, LAB_ALLOW_RANGE: LAB.pubRange, LAB_TURN_SECRET: SECRET },
    { cwd: ROOT, timeoutMs: 600_000 },
  );
  await services.waitFor(/"signaling"/u, 60_000);
  const line = services
    .output()
    .split('\n')
    .find((l) => l.startsWith('{"signaling"'));
  signaling = (JSON.parse(line ?? '{}') as { signaling: string }).signaling;
}, 120_000);

afterAll(async () => {
  for (const p of running) p.kill();
  if (services) {
    services.child.stdin?.end(); // it stops coturn and signaling, then exits
    const timer = setTimeout(() => services?.kill(), 8000);
    await services.done;
    clearTimeout(timer);
  }
  await lab?.destroy();
  await rm(home, { recursive: true, force: true });
}, 30_000);

describe('transfer between two NATed peers', () => {
  it('goes through TURN, byte-identical, and reports path turn', async () => {
    if (labError !== undefined || lab === undefined) {
      const why = labError instanceof Error ? labError.message : String(labError);
      throw new Error(
        `cannot build the NAT lab (network namespaces, veth, nftables; needs root and scripts/setup.d/30-netns.sh): ${why}`,
      );
    }
    const alice = randomUsername('alice');
    const bob = randomUsername('bob');
    await Promise.all([ok(lab.hostA, alice, ['register', alice]), ok(lab.hostB, bob, ['register', bob])]);
    await ok(lab.hostA, alice, ['contacts', 'add', bob]);
    await ok(lab.hostB, bob, ['contacts', 'accept', alice]);

    const file = join(home, 'behind-nat.bin');
    await writeFile(file, randomBytes(3 * 1024 * 1024 + 17));
    const dir = await mkdtemp(join(home, 'in-'));
    const rx = cli(lab.hostB, bob, ['receive', '--yes', '--dir', dir, '--json'], 120_000);
    await rx.waitFor(/"event":"ready"/u);
    const tx = await cli(lab.hostA, alice, ['send', file, '--to', bob, '--json'], 120_000).done;
    const got = await rx.done;
    expect(tx.code, `${tx.stdout}\n${tx.stderr}`).toBe(0);
    expect(got.code, `${got.stdout}\n${got.stderr}`).toBe(0);
    expect(await sha256(join(dir, 'behind-nat.bin'))).toBe(await sha256(file));
    for (const out of [tx.stdout, got.stdout]) {
      const connected = out
        .split('\n')
        .filter((l) => l.includes('"event":"connected"'))
        .map((l) => (JSON.parse(l) as { path: unknown }).path);
      expect(connected).toEqual(['turn']);
    }
  }, 180_000);
});
