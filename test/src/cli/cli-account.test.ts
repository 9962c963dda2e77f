// The real `hypersend` CLI in separate processes: accounts, contacts, devices, safety numbers,
// key changes, --help on every command, --json output.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { randomUsername } from '../helpers/users.ts';
import { befriendViaCli, killAll, Peer } from './cli-harness.ts';

const COMMANDS = ['register', 'login', 'logout', 'contacts', 'devices', 'fingerprint', 'send', 'receive'];

let server: TestServer;
const peers: Peer[] = [];
async function peer(prefix: string): Promise<Peer> {
  const p = await Peer.create(server.url, randomUsername(prefix));
  peers.push(p);
  return p;
}

beforeAll(async () => {
  server = await startTestServer();
});
afterEach(() => killAll());
afterAll(async () => {
  killAll();
  for (const p of peers) await p.cleanup();
  await server?.close();
});

describe('hypersend CLI: accounts and keys', () => {
  it('prints --help for the CLI and every command, exit 0; usage errors exit 2', async () => {
    const p = await peer('help');
    const top = await p.run(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/Exit codes:[\s\S]*130/u);
    const runs = await Promise.all(COMMANDS.map((c) => p.run([c, '--help'])));
    for (const [i, r] of runs.entries()) {
      expect(r.code, COMMANDS[i]).toBe(0);
      expect(r.stdout).toContain(`hypersend ${COMMANDS[i]}`);
    }
    expect((await p.run(['send', 'x', '--bogus'])).code).toBe(2);
    expect((await p.run(['nonsense'])).code).toBe(2);
    expect((await p.run(['send', 'x'])).code).toBe(2); // no --to
  }, 120_000);

  it('registers, makes contacts, lists devices, and both sides see the same safety number', async () => {
    const a = await peer('alice');
    const b = await peer('bob');
    await befriendViaCli(a, b);
    const list = await b.ok(['contacts', 'list', '--json']);
    const contacts = list.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { username: string; state: string });
    expect(contacts).toEqual([expect.objectContaining({ username: a.username, state: 'accepted' })]);
    const devs = await a.ok(['devices', '--json']);
    const rows = devs.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { current: boolean });
    expect(rows).toHaveLength(1);
    expect(rows[0]?.current).toBe(true);
    const [sa, sb] = await Promise.all([
      a.ok(['fingerprint', b.username, '--json']),
      b.ok(['fingerprint', a.username, '--json']),
    ]);
    const na = (JSON.parse(sa.stdout) as { safetyNumber: string }).safetyNumber;
    const nb = (JSON.parse(sb.stdout) as { safetyNumber: string }).safetyNumber;
    expect(na).toMatch(/^(\d{5} ){11}\d{5}$/u);
    expect(na).toBe(nb);
    // Log out, then the profile is not authenticated (exit 3) until it logs in again.
    await a.ok(['logout']);
    expect((await a.run(['contacts', 'list'])).code).toBe(3);
    await a.ok(['login', a.username]);
    await a.ok(['contacts', 'list']);
  }, 120_000);

  it('refuses to send to a device whose key changed until fingerprint --accept', async () => {
    const a = await peer('alice');
    const b = await peer('bob');
    await befriendViaCli(a, b);
    const before = JSON.parse((await a.ok(['fingerprint', b.username, '--json'])).stdout) as {
      safetyNumber: string;
    };
    const bobDevice = (JSON.parse((await b.ok(['devices', '--json'])).stdout.trim()) as { deviceId: string })
      .deviceId;
    await b.ok(['devices', 'reset-keys', '--yes']);
    const file = join(a.home, 'f.bin');
    await writeFile(file, randomBytes(1000));
    const refused = await a.run(['send', file, '--to', b.username, '--device', bobDevice, '--json']);
    expect(refused.code).toBe(7);
    const err = refused.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; code?: string })
      .find((e) => e.event === 'error');
    expect(err?.code).toBe('key_changed');
    // The safety number over the new keys differs; after comparing, accept it.
    const after = JSON.parse((await a.ok(['fingerprint', b.username, '--json'])).stdout) as {
      safetyNumber: string;
      keyChanged: boolean;
    };
    expect(after.keyChanged).toBe(true);
    expect(after.safetyNumber).not.toBe(before.safetyNumber);
    await a.ok(['fingerprint', '--accept', b.username]);
    const rx = b.spawn(['receive', '--yes', '--dir', b.home], { timeoutMs: 60_000 });
    await rx.waitFor(/waiting for an offer/u);
    const sent = await a.run(['send', file, '--to', b.username]);
    expect(sent.code, sent.stderr).toBe(0);
    expect((await rx.done).code).toBe(0);
  }, 120_000);
});
