import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/src/helpers/server.ts';
import { registerUser, type TestUser } from '../../test/src/helpers/users.ts';
import {
  createUpload,
  type ManualClock,
  manualClock,
  patchUpload,
  startTestRelay,
  type TestRelay,
  tusHeaders,
} from './test-support.ts';

// Limits, expiry and sweeping, with small configured limits and a clock the test moves.

const HOUR = 3600_000;
let signaling: TestServer;
let relay: TestRelay;
let clock: ManualClock;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;

beforeAll(async () => {
  signaling = await startTestServer();
  clock = manualClock();
  relay = await startTestRelay(
    signaling.url,
    {
      RELAY_MAX_OBJECT_BYTES: '1000',
      RELAY_MAX_BYTES_PER_USER: '2500',
      RELAY_MAX_PENDING_PER_RECIPIENT: '3',
      RELAY_OBJECT_TTL: String(7 * 86400),
      RELAY_INCOMPLETE_TTL: String(86400),
    },
    { clock },
  );
  [alice, bob, carol] = await Promise.all([
    registerUser(signaling),
    registerUser(signaling),
    registerUser(signaling),
  ]);
});
afterAll(async () => {
  await relay?.close();
  await signaling?.close();
});

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const idOf = (res: Response) => (res.headers.get('location') ?? '').split('/').pop() ?? '';
const ack = (id: string, user: TestUser) =>
  fetch(`${relay.url}/v1/objects/${id}/ack`, { method: 'POST', headers: bearer(user.accessToken) });

async function complete(uploader: TestUser, recipient: TestUser, length: number): Promise<string> {
  const res = await createUpload(relay.url, uploader.accessToken, { recipient: recipient.userId, length });
  expect(res.status).toBe(201);
  const url = new URL(res.headers.get('location') ?? '', relay.url).toString();
  expect((await patchUpload(url, uploader.accessToken, 0, new Uint8Array(length))).status).toBe(204);
  return idOf(res);
}

describe('limits', () => {
  it('refuses an object over the size limit with 413', async () => {
    const res = await createUpload(relay.url, alice.accessToken, { recipient: bob.userId, length: 1001 });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'object_too_large' } });
  });

  it('refuses bytes beyond the declared length', async () => {
    const res = await createUpload(relay.url, alice.accessToken, { recipient: bob.userId, length: 10 });
    const url = new URL(res.headers.get('location') ?? '', relay.url).toString();
    expect((await patchUpload(url, alice.accessToken, 0, new Uint8Array(11))).status).toBe(413);
    expect((await fetch(url, { method: 'DELETE', headers: tusHeaders(alice.accessToken) })).status).toBe(204);
  });

  it('refuses uploads beyond the per-user byte quota with 507 until bytes are released', async () => {
    const ids = [await complete(carol, alice, 1000), await complete(carol, bob, 1000)];
    const over = await createUpload(relay.url, carol.accessToken, { recipient: bob.userId, length: 501 });
    expect(over.status).toBe(507);
    expect(await over.json()).toMatchObject({ error: { code: 'quota_exceeded' } });
    const fits = await createUpload(relay.url, carol.accessToken, { recipient: bob.userId, length: 500 });
    expect(fits.status).toBe(201);
    // An acknowledged object gives its bytes back.
    expect((await ack(ids[0] ?? '', alice)).status).toBe(204);
    expect(
      (await createUpload(relay.url, carol.accessToken, { recipient: alice.userId, length: 1000 })).status,
    ).toBe(201);
  });

  it('refuses more pending objects per recipient with 403 recipient_pending_limit', async () => {
    const recipient = await registerUser(signaling);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await complete(alice, recipient, 1));
    const res = await createUpload(relay.url, bob.accessToken, { recipient: recipient.userId, length: 1 });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: 'recipient_pending_limit' } });
    expect((await ack(ids[0] ?? '', recipient)).status).toBe(204);
    expect(
      (await createUpload(relay.url, bob.accessToken, { recipient: recipient.userId, length: 1 })).status,
    ).toBe(201);
  });
});

describe('expiry and sweeping', () => {
  it('hides an object past its expiry on every read, then the sweeper deletes it', async () => {
    const recipient = await registerUser(signaling);
    const uploader = await registerUser(signaling);
    const id = await complete(uploader, recipient, 100);
    const get = () => fetch(`${relay.url}/v1/objects/${id}`, { headers: bearer(recipient.accessToken) });
    expect((await get()).status).toBe(200);
    clock.advance(7 * 24 * HOUR - 1000);
    expect((await get()).status).toBe(200);
    clock.advance(1000);
    expect((await get()).status).toBe(404);
    const list = (await (
      await fetch(`${relay.url}/v1/objects`, { headers: bearer(recipient.accessToken) })
    ).json()) as {
      objects: unknown[];
    };
    expect(list.objects).toEqual([]);
    expect((await ack(id, recipient)).status).toBe(404);
    // Still on disk until swept; the sweep removes bytes and frees the uploader's quota.
    expect((await readdir(join(relay.dataDir, 'objects'))).filter((f) => f.startsWith(id))).not.toEqual([]);
    expect(await relay.sweep()).toBeGreaterThanOrEqual(1);
    expect((await readdir(join(relay.dataDir, 'objects'))).filter((f) => f.startsWith(id))).toEqual([]);
  });

  it('expires an unfinished upload after 24 hours', async () => {
    const recipient = await registerUser(signaling);
    const res = await createUpload(relay.url, alice.accessToken, {
      recipient: recipient.userId,
      length: 100,
    });
    const url = new URL(res.headers.get('location') ?? '', relay.url).toString();
    expect((await patchUpload(url, alice.accessToken, 0, new Uint8Array(50))).status).toBe(204);
    clock.advance(23 * HOUR);
    expect((await fetch(url, { method: 'HEAD', headers: tusHeaders(alice.accessToken) })).status).toBe(200);
    expect(await relay.sweep()).toBe(0);
    clock.advance(HOUR);
    expect((await fetch(url, { method: 'HEAD', headers: tusHeaders(alice.accessToken) })).status).toBe(404);
    expect(await relay.sweep()).toBe(1);
    expect((await readdir(join(relay.dataDir, 'objects'))).filter((f) => f.startsWith(idOf(res)))).toEqual(
      [],
    );
  });
});
