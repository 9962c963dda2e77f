import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContactEdge, DeviceRecord, RefreshTokenRecord, Store, UserRecord } from './store.ts';
import { StoreConflictError, UnsafeStoreInputError } from './store.ts';

// The one behavioural contract of `Store`, run against every implementation
// (sqlite-store.test.ts, mongo-store.test.ts). Tests share one store per implementation and
// use fresh random ids, so they do not depend on each other or on an empty database.

// Near the real clock: MongoDB's TTL monitor purges refresh tokens by wall-clock time.
const T0 = Math.floor(Date.now() / 1000) * 1000;
const HOUR = 3600_000;

const rid = (prefix: string) => `${prefix}_${randomBytes(9).toString('base64url')}`;
const key = () => randomBytes(32).toString('base64url');

function user(overrides: Partial<UserRecord> = {}): UserRecord {
  const id = rid('u');
  return {
    id,
    username: `user${randomBytes(6).toString('hex')}`,
    displayName: 'Test User',
    passwordHash: '$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA',
    createdAt: T0,
    ...overrides,
  };
}

function token(overrides: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
  return {
    tokenHash: randomBytes(32).toString('hex'),
    familyId: rid('f'),
    userId: rid('u'),
    createdAt: T0,
    expiresAt: T0 + HOUR,
    usedAt: null,
    revoked: false,
    ...overrides,
  };
}

function device(overrides: Partial<DeviceRecord> = {}): DeviceRecord {
  return {
    userId: rid('u'),
    deviceId: rid('d'),
    name: 'laptop',
    x25519: key(),
    ed25519: key(),
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

/** Smuggle a value past the type checker, as a buggy or hostile caller would. */
const evil = <T>(value: unknown): T => value as T;

/**
 * Register the `Store` contract for one implementation. `makeStore` may be called more than
 * once (tests that close a store open their own); every store it returns is closed here.
 *
 * @example
 * describeStoreContract('sqlite', async () => createSqliteStore({ path: ':memory:' }));
 */
export function describeStoreContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await makeStore();
    });
    afterAll(async () => {
      await store?.close();
    });

    describe('users', () => {
      it('creates a user and finds it by id and by username', async () => {
        const u = user();
        await store.createUser(u);
        expect(await store.getUserById(u.id)).toEqual(u);
        expect(await store.getUserByUsername(u.username)).toEqual(u);
      });

      it('returns null for unknown users', async () => {
        expect(await store.getUserById(rid('u'))).toBeNull();
        expect(await store.getUserByUsername('nobody-here')).toBeNull();
      });

      it('rejects a duplicate username with StoreConflictError and keeps the first user', async () => {
        const first = user();
        await store.createUser(first);
        const second = user({ username: first.username });
        await expect(store.createUser(second)).rejects.toBeInstanceOf(StoreConflictError);
        expect(await store.getUserById(second.id)).toBeNull();
        expect(await store.getUserByUsername(first.username)).toEqual(first);
      });

      it('rejects a duplicate id with StoreConflictError', async () => {
        const first = user();
        await store.createUser(first);
        await expect(store.createUser(user({ id: first.id }))).rejects.toMatchObject({ code: 'conflict' });
      });

      it('stores a null password hash (external identity users)', async () => {
        const u = user({ passwordHash: null });
        await store.createUser(u);
        expect(await store.getUserById(u.id)).toEqual(u);
      });

      it('round-trips unicode display names byte for byte', async () => {
        for (const displayName of ['Zoë Ångström', '李小龍', 'علي', '👩🏽‍💻 dev', 'e\u0301 (combining)']) {
          const u = user({ displayName });
          await store.createUser(u);
          expect((await store.getUserById(u.id))?.displayName).toBe(displayName);
        }
      });

      it('ensureUser creates once and then returns the stored user unchanged', async () => {
        const u = user({ passwordHash: null });
        expect(await store.ensureUser(u)).toEqual(u);
        const again = await store.ensureUser({ ...u, displayName: 'Changed' });
        expect(again).toEqual(u);
        expect(await store.getUserById(u.id)).toEqual(u);
      });

      it('ensureUser is safe to call concurrently', async () => {
        const u = user({ passwordHash: null });
        const results = await Promise.all(Array.from({ length: 5 }, () => store.ensureUser(u)));
        for (const r of results) expect(r).toEqual(u);
      });

      it('ensureUser rejects with StoreConflictError when another user has the username', async () => {
        const taken = user();
        await store.createUser(taken);
        const other = user({ username: taken.username });
        await expect(store.ensureUser(other)).rejects.toBeInstanceOf(StoreConflictError);
      });
    });

    describe('refresh tokens', () => {
      it('consumes a valid token once: ok, then reused', async () => {
        const t = token();
        await store.insertRefreshToken(t);
        expect(await store.consumeRefreshToken(t.tokenHash, T0 + 1)).toEqual({ status: 'ok', token: t });
        expect(await store.consumeRefreshToken(t.tokenHash, T0 + 2)).toEqual({
          status: 'reused',
          token: { ...t, usedAt: T0 + 1 },
        });
      });

      it('reports missing for an unknown hash', async () => {
        expect(await store.consumeRefreshToken(randomBytes(32).toString('hex'), T0)).toEqual({
          status: 'missing',
        });
      });

      it('reports revoked for a revoked token and does not mark it used', async () => {
        const t = token({ revoked: true });
        await store.insertRefreshToken(t);
        expect(await store.consumeRefreshToken(t.tokenHash, T0 + 1)).toEqual({ status: 'revoked', token: t });
        expect(await store.consumeRefreshToken(t.tokenHash, T0 + 2)).toEqual({ status: 'revoked', token: t });
      });

      it('reports expired at and after expiresAt, and ok just before', async () => {
        const t = token();
        await store.insertRefreshToken(t);
        expect(await store.consumeRefreshToken(t.tokenHash, t.expiresAt)).toEqual({
          status: 'expired',
          token: t,
        });
        expect(await store.consumeRefreshToken(t.tokenHash, t.expiresAt + HOUR)).toMatchObject({
          status: 'expired',
        });
        expect(await store.consumeRefreshToken(t.tokenHash, t.expiresAt - 1)).toMatchObject({ status: 'ok' });
      });

      it('rejects a duplicate token hash with StoreConflictError', async () => {
        const t = token();
        await store.insertRefreshToken(t);
        await expect(store.insertRefreshToken({ ...t, familyId: rid('f') })).rejects.toBeInstanceOf(
          StoreConflictError,
        );
      });

      it('revokes a whole family and counts only newly revoked tokens', async () => {
        const familyId = rid('f');
        const a = token({ familyId });
        const b = token({ familyId, usedAt: T0 });
        const c = token({ familyId, revoked: true });
        const bystander = token();
        for (const t of [a, b, c, bystander]) await store.insertRefreshToken(t);
        expect(await store.revokeRefreshFamily(familyId)).toBe(2);
        expect(await store.revokeRefreshFamily(familyId)).toBe(0);
        expect(await store.revokeRefreshFamily(rid('f'))).toBe(0);
        expect(await store.consumeRefreshToken(a.tokenHash, T0 + 1)).toMatchObject({ status: 'revoked' });
        expect(await store.consumeRefreshToken(bystander.tokenHash, T0 + 1)).toMatchObject({ status: 'ok' });
      });

      it('lets exactly one of many concurrent consumes of one token succeed', async () => {
        const t = token();
        await store.insertRefreshToken(t);
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) => store.consumeRefreshToken(t.tokenHash, T0 + 1 + i)),
        );
        const statuses = results.map((r) => r.status);
        expect(statuses.filter((s) => s === 'ok')).toHaveLength(1);
        expect(statuses.filter((s) => s === 'reused')).toHaveLength(11);
      });
    });

    describe('devices', () => {
      it('putDevice returns null on insert and the previous record on replace', async () => {
        const d = device();
        expect(await store.putDevice(d)).toBeNull();
        expect(await store.getDevice(d.userId, d.deviceId)).toEqual(d);
        const replaced = { ...d, name: 'renamed', x25519: key(), updatedAt: T0 + 5 };
        expect(await store.putDevice(replaced)).toEqual(d);
        expect(await store.getDevice(d.userId, d.deviceId)).toEqual(replaced);
      });

      it('lists only the devices of one user, ordered by deviceId', async () => {
        const userId = rid('u');
        const ids = ['d_c', 'd_a', 'd_b'];
        for (const deviceId of ids) await store.putDevice(device({ userId, deviceId }));
        await store.putDevice(device({ deviceId: 'd_a' }));
        const listed = await store.listDevices(userId);
        expect(listed.map((d) => d.deviceId)).toEqual(['d_a', 'd_b', 'd_c']);
        expect(listed.every((d) => d.userId === userId)).toBe(true);
        expect(await store.listDevices(rid('u'))).toEqual([]);
      });

      it('deletes a device and reports whether it existed', async () => {
        const d = device();
        await store.putDevice(d);
        expect(await store.deleteDevice(d.userId, d.deviceId)).toBe(true);
        expect(await store.deleteDevice(d.userId, d.deviceId)).toBe(false);
        expect(await store.getDevice(d.userId, d.deviceId)).toBeNull();
      });
    });

    describe('contact edges', () => {
      it('stores one direction per edge, replaces, lists and deletes', async () => {
        const userId = rid('u');
        const peerId = rid('u');
        const edge: ContactEdge = { userId, peerId, state: 'requested', updatedAt: T0 };
        await store.putContactEdge(edge);
        expect(await store.getContactEdge(userId, peerId)).toEqual(edge);
        expect(await store.getContactEdge(peerId, userId)).toBeNull();

        const accepted: ContactEdge = { ...edge, state: 'accepted', updatedAt: T0 + 1 };
        await store.putContactEdge(accepted);
        expect(await store.getContactEdge(userId, peerId)).toEqual(accepted);

        const other: ContactEdge = { userId, peerId: `${peerId}z`, state: 'blocked', updatedAt: T0 };
        await store.putContactEdge(other);
        expect(await store.listContactEdges(userId)).toEqual([accepted, other]);

        expect(await store.deleteContactEdge(userId, peerId)).toBe(true);
        expect(await store.deleteContactEdge(userId, peerId)).toBe(false);
        expect(await store.listContactEdges(userId)).toEqual([other]);
      });

      it('rejects an unknown contact state', async () => {
        const edge = evil<ContactEdge>({ userId: rid('u'), peerId: rid('u'), state: 'owner', updatedAt: T0 });
        await expect(store.putContactEdge(edge)).rejects.toBeInstanceOf(UnsafeStoreInputError);
      });
    });

    describe('operator injection', () => {
      const operators = [{ $gt: '' }, { $ne: null }, { $regex: '.*' }, ['a'], 42, null, /.*/, ''];

      it('rejects non-string and operator-shaped lookups before they reach the database', async () => {
        const u = user();
        await store.createUser(u);
        for (const bad of operators) {
          const v = evil<string>(bad);
          await expect(store.getUserByUsername(v)).rejects.toBeInstanceOf(UnsafeStoreInputError);
          await expect(store.getUserById(v)).rejects.toBeInstanceOf(UnsafeStoreInputError);
          await expect(store.consumeRefreshToken(v, T0)).rejects.toBeInstanceOf(UnsafeStoreInputError);
          await expect(store.revokeRefreshFamily(v)).rejects.toBeInstanceOf(UnsafeStoreInputError);
          await expect(store.getDevice(u.id, v)).rejects.toBeInstanceOf(UnsafeStoreInputError);
          await expect(store.listDevices(v)).rejects.toBeInstanceOf(UnsafeStoreInputError);
          await expect(store.deleteDevice(v, v)).rejects.toBeInstanceOf(UnsafeStoreInputError);
          await expect(store.getContactEdge(u.id, v)).rejects.toBeInstanceOf(UnsafeStoreInputError);
          await expect(store.deleteContactEdge(v, u.id)).rejects.toBeInstanceOf(UnsafeStoreInputError);
          await expect(store.listContactEdges(v)).rejects.toBeInstanceOf(UnsafeStoreInputError);
        }
      });

      it('rejects $-prefixed and dotted keys anywhere in a record', async () => {
        const bad = [
          { ...user(), $where: 'sleep(100)' },
          { ...user(), displayName: { $set: 'x' } },
          { ...user(), extra: { nested: [{ $ne: 1 }] } },
          { ...user(), 'a.b': 1 },
          { ...user(), id: { $gt: '' } },
          { ...user(), createdAt: { $gt: 0 } },
        ];
        for (const u of bad) {
          await expect(store.createUser(evil<UserRecord>(u))).rejects.toBeInstanceOf(UnsafeStoreInputError);
          await expect(store.ensureUser(evil<UserRecord>(u))).rejects.toBeInstanceOf(UnsafeStoreInputError);
        }
        await expect(
          store.putDevice(evil<DeviceRecord>({ ...device(), $where: '1' })),
        ).rejects.toBeInstanceOf(UnsafeStoreInputError);
        await expect(
          store.insertRefreshToken(evil<RefreshTokenRecord>({ ...token(), familyId: ['x'] })),
        ).rejects.toBeInstanceOf(UnsafeStoreInputError);
        await expect(
          store.putContactEdge(
            evil<ContactEdge>({ userId: rid('u'), peerId: { $ne: 'x' }, state: 'accepted' }),
          ),
        ).rejects.toBeInstanceOf(UnsafeStoreInputError);
      });

      it('rejects NUL bytes, wrong field types and non-integer times', async () => {
        await expect(store.createUser(user({ displayName: 'a\0b' }))).rejects.toBeInstanceOf(
          UnsafeStoreInputError,
        );
        await expect(store.getUserById('u_\0')).rejects.toBeInstanceOf(UnsafeStoreInputError);
        await expect(
          store.createUser(evil<UserRecord>({ ...user(), passwordHash: 7 })),
        ).rejects.toBeInstanceOf(UnsafeStoreInputError);
        await expect(store.putDevice(device({ createdAt: 1.5 }))).rejects.toBeInstanceOf(
          UnsafeStoreInputError,
        );
        await expect(store.consumeRefreshToken('abc', Number.NaN)).rejects.toBeInstanceOf(
          UnsafeStoreInputError,
        );
        await expect(
          store.insertRefreshToken(evil<RefreshTokenRecord>({ ...token(), revoked: 'false' })),
        ).rejects.toBeInstanceOf(UnsafeStoreInputError);
      });

      it('treats operator-looking strings as plain data', async () => {
        const u = user({ displayName: '$where: {"$gt": ""}' });
        await store.createUser(u);
        expect(await store.getUserById(u.id)).toEqual(u);
        expect(await store.getUserByUsername('.*')).toBeNull();
      });

      it('does not persist unknown fields', async () => {
        const u = user();
        await store.createUser(evil<UserRecord>({ ...u, isAdmin: true }));
        expect(await store.getUserById(u.id)).toEqual(u);
      });
    });

    describe('lifecycle', () => {
      it('answers ping', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });

      it('rejects ping after close, and close is idempotent', async () => {
        const own = await makeStore();
        await own.ping();
        await own.close();
        await expect(own.ping()).rejects.toThrow();
        await own.close();
      });

      it('names its kind', () => {
        expect(['sqlite', 'mongodb']).toContain(store.kind);
      });
    });
  });
}
