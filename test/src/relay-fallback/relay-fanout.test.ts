// Store-and-forward to EVERY device of the recipient (real CLI processes, real signaling, real
// relay process): the object is sealed to each current device of bob, whichever device connects
// first takes it, and the other then sees nothing (its notice was dismissed, the object is gone).
// A device caught mid-download fails `relay_object_gone` and keeps no file; a device whose key
// changed (not accepted) gets no envelope at all.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnvelopeSet } from '../../../client-sdk/src/relay/envelope-set.ts';
import {
  decodeEnvelope,
  OBJECT_PREFIX_BYTES,
  readObjectPrefix,
} from '../../../client-sdk/src/relay/object-format.ts';
import { killAll, Peer } from '../cli/cli-harness.ts';
import { postJson } from '../helpers/users.ts';
import { type RelayLab, startRelayLab } from './relay-lab.ts';

let lab: RelayLab;
/** Bob's second device: the same account logged in from another config home. */
let bob2: Peer;
let bob1Device: string;
let bob2Device: string;

function events(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function deviceIdOf(p: Peer): Promise<string> {
  const rows = events((await p.ok(['devices', '--json'])).stdout);
  const mine = rows.find((r) => r.current === true);
  if (typeof mine?.deviceId !== 'string') throw new Error(`no current device in ${JSON.stringify(rows)}`);
  return mine.deviceId;
}

beforeAll(async () => {
  lab = await startRelayLab();
  bob2 = await Peer.create(lab.signaling.url, lab.bob.username);
  await bob2.ok(['login', lab.bob.username]);
  [bob1Device, bob2Device] = await Promise.all([deviceIdOf(lab.bob), deviceIdOf(bob2)]);
}, 120_000);
afterAll(async () => {
  killAll();
  await bob2?.cleanup();
  await lab?.close();
});

const sha256 = async (p: string) =>
  createHash('sha256')
    .update(await readFile(p))
    .digest('hex');

/** Every file (not folder) under `dir`, relative paths. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => !e.isDirectory()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

/** A fresh access token of bob's account (signaling issues it, the relay accepts it). */
async function bobToken(): Promise<string> {
  const { accessToken } = await postJson<{ accessToken: string }>(
    lab.signaling,
    '/v1/auth/login',
    { username: lab.bob.username, password: 'correct horse battery' },
    { expect: 200 },
  );
  return accessToken;
}

interface Notice {
  id: string;
  to: { device: string };
  transferId: string;
  objectId: string;
}

/** Bob's unexpired relay notices, as signaling lists them to any of his devices. */
async function bobsNotices(): Promise<Notice[]> {
  const res = await fetch(`${lab.signaling.url}/v1/relay-notices`, {
    headers: { authorization: `Bearer ${await bobToken()}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { notices: Notice[] }).notices;
}

/** Alice sends `size` random bytes to bob, both of whose devices are offline: through the relay. */
async function sendWhileBobOffline(size: number): Promise<{ file: string; transferId: string }> {
  const file = join(lab.alice.home, `fan-${randomBytes(4).toString('hex')}.bin`);
  await writeFile(file, randomBytes(size));
  const tx = await lab.alice.run(['--json', 'send', file, '--to', lab.bob.username], { timeoutMs: 60_000 });
  expect(tx.code, tx.stderr).toBe(0);
  const ev = events(tx.stdout);
  expect(ev).toContainEqual(expect.objectContaining({ event: 'connected', path: 'relay' }));
  const transferId = ev.find((e) => typeof e.transferId === 'string')?.transferId;
  if (typeof transferId !== 'string') throw new Error(`no transfer id in ${tx.stdout}`);
  return { file, transferId };
}

/** `receive` for a few seconds on a device that must see no offer: nothing shown, nothing written. */
async function expectNoOffer(p: Peer): Promise<void> {
  const dir = await mkdtemp(join(p.home, 'none-'));
  const r = await p.run(['--json', 'receive', '--yes', '--dir', dir, '--timeout', '8'], {
    timeoutMs: 40_000,
  });
  const ev = events(r.stdout + r.stderr);
  expect(ev.filter((e) => e.event === 'offer')).toEqual([]);
  expect(ev).toContainEqual(expect.objectContaining({ event: 'error', code: 'timeout' }));
  expect(ev.filter((e) => e.event === 'warning')).toEqual([]); // dropped quietly, nothing raised
  expect(await readdir(dir)).toEqual([]);
}

describe('relay fan-out to every device of the recipient (CLI)', () => {
  const orders = [
    { first: 'device 2', last: 'device 1', pick: () => [bob2, lab.bob] as const },
    { first: 'device 1', last: 'device 2', pick: () => [lab.bob, bob2] as const },
  ];
  for (const order of orders) {
    it(`both devices offline; ${order.first} connects first and gets the file, ${order.last} later sees no offer`, async () => {
      const [first, later] = order.pick();
      const { file, transferId } = await sendWhileBobOffline(700_000);
      // One notice per device, one object.
      const before = (await bobsNotices()).filter((n) => n.transferId === transferId);
      expect(before.map((n) => n.to.device).sort()).toEqual([bob1Device, bob2Device].sort());

      const dir = await mkdtemp(join(first.home, 'in-'));
      const rx = await first.run(['--json', 'receive', '--yes', '--dir', dir], { timeoutMs: 60_000 });
      expect(rx.code, rx.stderr).toBe(0);
      expect(events(rx.stdout)).toContainEqual(expect.objectContaining({ event: 'offer', via: 'relay' }));
      const name = file.split('/').pop() ?? '';
      expect(await sha256(join(dir, name))).toBe(await sha256(file));
      // The first device dismissed its sibling's notice when it acknowledged the object.
      expect((await bobsNotices()).filter((n) => n.transferId === transferId)).toEqual([]);

      await expectNoOffer(later);
    }, 150_000);
  }

  it('a device caught mid-download when the other acknowledges fails relay_object_gone and keeps nothing', async () => {
    const { file } = await sendWhileBobOffline(4 << 20);
    const name = file.split('/').pop() ?? '';
    const hold = lab.front.holdNextDownload(1 << 20);
    const slowDir = await mkdtemp(join(lab.bob.home, 'slow-'));
    const slow = lab.bob.spawn(['--json', 'receive', '--yes', '--dir', slowDir], { timeoutMs: 90_000 });
    await hold.held; // device 1 has a megabyte of it, and waits

    const fastDir = await mkdtemp(join(bob2.home, 'fast-'));
    const fast = await bob2.run(['--json', 'receive', '--yes', '--dir', fastDir], { timeoutMs: 60_000 });
    expect(fast.code, fast.stderr).toBe(0);
    expect(await sha256(join(fastDir, name))).toBe(await sha256(file));

    hold.cut(); // device 1's download breaks; its retry finds the object gone
    const r = await slow.done;
    expect(r.code).not.toBe(0);
    expect(events(r.stdout + r.stderr)).toContainEqual(
      expect.objectContaining({ event: 'error', code: 'relay_object_gone' }),
    );
    // No file under its name, no `.part` or progress record (an empty staging folder may stay).
    expect(await filesUnder(slowDir)).toEqual([]);
  }, 150_000);

  it('a notice whose object is already gone is dropped quietly: no offer, nothing raised, notice deleted', async () => {
    const { transferId } = await sendWhileBobOffline(200_000);
    const notices = (await bobsNotices()).filter((n) => n.transferId === transferId);
    expect(notices).toHaveLength(2);
    // Another client of bob acknowledges the object on the relay without touching the notices
    // (an SDK from before the fan-out, or one that died between the two steps).
    const objectId = notices[0]?.objectId ?? '';
    const ack = await fetch(`${lab.front.url}/v1/objects/${objectId}/ack`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await bobToken()}` },
    });
    expect(ack.status).toBe(204);

    await expectNoOffer(lab.bob);
    // Device 1 dropped its own notice; device 2's stays until that device looks.
    const left = (await bobsNotices()).filter((n) => n.transferId === transferId);
    expect(left.map((n) => n.to.device)).toEqual([bob2Device]);
  }, 150_000);

  it("a device whose key changed (not accepted) gets no envelope and no notice; bob's other device gets the file", async () => {
    await bob2.ok(['devices', 'reset-keys', '--yes']);
    const { file, transferId } = await sendWhileBobOffline(300_000);

    // The stored object's header: sealed to device 1 only.
    const objectsDir = join(lab.relayDataDir, 'objects');
    const headers: string[][] = [];
    for (const f of await readdir(objectsDir)) {
      if (f.endsWith('.json')) continue;
      const bytes = await readFile(join(objectsDir, f));
      const { version, envelopeBytes } = readObjectPrefix(bytes.subarray(0, OBJECT_PREFIX_BYTES));
      expect(version).toBe(2);
      const set = parseEnvelopeSet(
        decodeEnvelope(bytes.subarray(OBJECT_PREFIX_BYTES, OBJECT_PREFIX_BYTES + envelopeBytes)),
      );
      if (set.transferId === transferId) headers.push(set.devices.map((d) => d.deviceId));
    }
    expect(headers).toEqual([[bob1Device]]);
    expect((await bobsNotices()).filter((n) => n.transferId === transferId).map((n) => n.to.device)).toEqual([
      bob1Device,
    ]);

    await expectNoOffer(bob2);
    const dir = await mkdtemp(join(lab.bob.home, 'kept-'));
    const rx = await lab.bob.run(['--json', 'receive', '--yes', '--dir', dir], { timeoutMs: 60_000 });
    expect(rx.code, rx.stderr).toBe(0);
    expect(await sha256(join(dir, file.split('/').pop() ?? ''))).toBe(await sha256(file));
  }, 150_000);
});
