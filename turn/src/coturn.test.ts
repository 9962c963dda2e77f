import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintTurnCredentials } from './credentials.ts';
import { type CoturnInstance, startCoturn } from './launch-coturn.ts';
import { type AllocateOptions, type TurnAnswer, TurnClient } from './turn-client.ts';

// Real Debian coturn 4.6.1 on 127.0.0.1. These tests only Allocate and CreatePermission: no data
// is ever relayed, and no packet goes to any address but coturn's own loopback listener.
const OLD = 'Zq8vN3kP0wR7tY2uB5xC9mL4hJ6gF1dS-old';
const NEW = 'Hy5pQ2wE8rT1yU4iO7pA3sD6fG9hJ0kL-new';

const open: CoturnInstance[] = [];
async function coturn(...args: Parameters<typeof startCoturn>): Promise<CoturnInstance> {
  const turn = await startCoturn(...args);
  open.push(turn);
  return turn;
}
afterAll(async () => {
  await Promise.all(open.map((t) => t.stop()));
});

/** Allocate with credentials signed by `secret`, run `then` on the client, release everything. */
async function withAllocation<T>(
  turn: CoturnInstance,
  auth: Omit<AllocateOptions, 'username' | 'password'> & {
    secret: string;
    now?: number;
    ttlSeconds?: number;
  },
  then: (client: TurnClient, allocation: TurnAnswer) => Promise<T>,
): Promise<T> {
  const creds = mintTurnCredentials({
    secret: auth.secret,
    user: `u${Math.random().toString(36).slice(2, 10)}`,
    ttlSeconds: auth.ttlSeconds ?? 600,
    uris: [turn.url],
    ...(auth.now === undefined ? {} : { now: auth.now }),
  });
  const client = await TurnClient.open({ host: '127.0.0.1', port: turn.port });
  try {
    const allocation = await client.allocate({
      username: creds.username,
      password: creds.credential,
      ...(auth.family ? { family: auth.family } : {}),
    });
    return await then(client, allocation);
  } finally {
    await client.close();
  }
}

const allocateCode = (turn: CoturnInstance, auth: Parameters<typeof withAllocation>[1]) =>
  withAllocation(turn, auth, async (_c, a) => (a.ok ? 200 : a.code));

describe('TURN REST credentials against coturn', () => {
  let turn: CoturnInstance;
  beforeAll(async () => {
    turn = await coturn({ secrets: [NEW] });
  });

  it('accepts minted credentials and relays from 127.0.0.1', async () => {
    await withAllocation(turn, { secret: NEW }, async (_client, allocation) => {
      expect(allocation.ok).toBe(true);
      expect(TurnClient.relayedAddress(allocation)).toMatchObject({ family: 'IPv4', address: '127.0.0.1' });
    });
  });

  it('refuses expired credentials with 401', async () => {
    expect(await allocateCode(turn, { secret: NEW, ttlSeconds: 60, now: Date.now() - 120_000 })).toBe(401);
  });

  it('refuses credentials signed with a wrong secret with 401', async () => {
    expect(await allocateCode(turn, { secret: OLD })).toBe(401);
  });
});

describe('secret rollover', () => {
  it('accepts both secrets while two are configured, and only the new one after removal', async () => {
    const before = await coturn({ secrets: [OLD] });
    expect(await allocateCode(before, { secret: OLD })).toBe(200);
    expect(await allocateCode(before, { secret: NEW })).toBe(401);
    await before.stop();

    const during = await coturn({ secrets: [NEW, OLD] });
    expect(await allocateCode(during, { secret: OLD })).toBe(200);
    expect(await allocateCode(during, { secret: NEW })).toBe(200);
    await during.stop();

    const after = await coturn({ secrets: [NEW] });
    expect(await allocateCode(after, { secret: OLD })).toBe(401);
    expect(await allocateCode(after, { secret: NEW })).toBe(200);
    await after.stop();
  });
});

/** CreatePermission answers for each peer, from one allocation of `family`. */
function permissions(turn: CoturnInstance, family: 'IPv4' | 'IPv6', peers: string[]) {
  return withAllocation(turn, { secret: NEW, family }, async (client, allocation) => {
    expect(allocation.ok, 'allocation').toBe(true);
    const codes: Record<string, number> = {};
    for (const peer of peers) {
      const answer = await client.createPermission(peer);
      codes[peer] = answer.ok ? 200 : answer.code;
    }
    return codes;
  });
}

describe('peer address policy', () => {
  it('production template: loopback, private, link-local and metadata peers are 403 Forbidden', async () => {
    const prod = await coturn({ secrets: [NEW], profile: 'production' });
    expect(
      await permissions(prod, 'IPv4', ['127.0.0.1', '10.0.0.1', '192.168.1.1', '169.254.169.254']),
    ).toEqual({
      '127.0.0.1': 403,
      '10.0.0.1': 403,
      '192.168.1.1': 403,
      '169.254.169.254': 403,
    });
    // A mapped address is an IPv6 peer: on an IPv4 relay coturn answers 443 (family mismatch)
    // before its policy matters, so the CVE case is checked on an IPv6 relay.
    expect(
      await permissions(prod, 'IPv6', ['::ffff:127.0.0.1', '::ffff:10.0.0.1', '::1', 'fe80::1', 'fd00::1']),
    ).toEqual({
      '::ffff:127.0.0.1': 403,
      '::ffff:10.0.0.1': 403,
      '::1': 403,
      'fe80::1': 403,
      'fd00::1': 403,
    });
  });

  it('coturn 4.6.1 without the CVE-2026-27624 lines lets ::ffff:127.0.0.1 through (why the template has them)', async () => {
    const unpatched = await coturn({
      secrets: [NEW],
      profile: 'production',
      transformConfig: (conf) =>
        conf
          .split('\n')
          .filter((line) => !line.startsWith('denied-peer-ip=::ffff:'))
          .join('\n'),
    });
    // Only a permission is installed; nothing is sent to the peer.
    expect(await permissions(unpatched, 'IPv6', ['::ffff:127.0.0.1', '::1'])).toEqual({
      '::ffff:127.0.0.1': 200,
      '::1': 403,
    });
  });

  it('test overlay: 127.0.0.1 is allowed (positive control), everything else still refused', async () => {
    const test = await coturn({ secrets: [NEW], profile: 'test' });
    expect(await permissions(test, 'IPv4', ['127.0.0.1', '10.0.0.1', '169.254.169.254'])).toEqual({
      '127.0.0.1': 200,
      '10.0.0.1': 403,
      '169.254.169.254': 403,
    });
    expect(await permissions(test, 'IPv6', ['::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1'])).toEqual({
      '::1': 200,
      '::ffff:127.0.0.1': 403,
      '::ffff:10.0.0.1': 403,
    });
  });
});

describe('startCoturn', () => {
  it('answers on its url, and stop() ends coturn and removes its files (idempotently)', async () => {
    const [a, b] = await Promise.all([startCoturn({ secrets: [NEW] }), startCoturn({ secrets: [NEW] })]);
    if (!a || !b) throw new Error('unreachable');
    expect(a.url).toBe(`turn:127.0.0.1:${a.port}`);
    expect(a.port).not.toBe(b.port);
    expect(await allocateCode(b, { secret: NEW })).toBe(200);
    const pid = Number(await readFile(join(dirname(a.configPath), 'turnserver.pid'), 'utf8'));
    expect(await a.readLog()).toContain('Coturn-4.');
    await Promise.all([a.stop(), b.stop()]);
    await a.stop();
    expect(existsSync(dirname(a.configPath))).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('refuses a weak secret before spawning anything', async () => {
    await expect(startCoturn({ secrets: ['too-short'] })).rejects.toMatchObject({ code: 'weak_secret' });
  });
});
