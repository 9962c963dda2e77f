import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RelayObjectRecord, RelayObjectStore } from './relay-store.ts';
import { UnsafeRelayInputError } from './relay-store.ts';

// The one behavioural contract of `RelayObjectStore`, run against every implementation
// (sqlite-relay-store.test.ts, mongo-relay-store.test.ts). Fresh random ids per test, so tests
// neither depend on each other nor on an empty database.

const T0 = 1_800_000_000_000;
const DAY = 86_400_000;
const rid = (p: string) => `${p}_${randomBytes(9).toString('base64url')}`;
const LIMITS = { maxBytesPerUser: 1000, maxPendingPerRecipient: 3 };

function record(overrides: Partial<RelayObjectRecord> = {}): RelayObjectRecord {
  return {
    id: randomBytes(16).toString('base64url'),
    uploader: rid('u'),
    recipient: rid('u'),
    transferId: rid('t'),
    firstChunk: 0,
    size: 100,
    state: 'uploading',
    createdAt: T0,
    expiresAt: T0 + 7 * DAY,
    ...overrides,
  };
}

const evil = <T>(value: unknown): T => value as T;

/**
 * Register the `RelayObjectStore` contract for one implementation.
 *
 * @example
 * describeRelayStoreContract('sqlite', async () => createSqliteRelayStore({ path: ':memory:' }));
 */
export function describeRelayStoreContract(name: string, makeStore: () => Promise<RelayObjectStore>): void {
  describe(`RelayObjectStore contract: ${name}`, () => {
    let store: RelayObjectStore;
    beforeAll(async () => {
      store = await makeStore();
    });
    afterAll(async () => {
      await store?.close();
    });

    it('stores a record and reads back exactly its fields', async () => {
      const r = record({ firstChunk: 42, size: 12345 });
      expect(await store.reserve(r, { maxBytesPerUser: 1e9, maxPendingPerRecipient: 10 })).toEqual({
        ok: true,
      });
      expect(await store.get(r.id)).toEqual(r);
      expect(await store.get(randomBytes(16).toString('base64url'))).toBeUndefined();
    });

    it('marks complete, idempotently, and only lists complete unexpired objects for the recipient', async () => {
      const recipient = rid('u');
      const a = record({ recipient, createdAt: T0 });
      const b = record({ recipient, createdAt: T0 + 1, expiresAt: T0 + 10 });
      const c = record({ recipient, createdAt: T0 + 2 });
      for (const r of [a, b, c]) expect((await store.reserve(r, LIMITS)).ok).toBe(true);
      expect(await store.listForRecipient(recipient, T0)).toEqual([]);
      expect(await store.markComplete(a.id)).toBe(true);
      expect(await store.markComplete(a.id)).toBe(true);
      expect(await store.markComplete(b.id)).toBe(true);
      expect(await store.markComplete(record().id)).toBe(false);
      expect((await store.listForRecipient(recipient, T0)).map((r) => r.id)).toEqual([a.id, b.id]);
      expect((await store.listForRecipient(recipient, T0 + 10)).map((r) => r.id)).toEqual([a.id]);
      expect(await store.listForRecipient(a.uploader, T0)).toEqual([]);
      expect((await store.get(a.id))?.state).toBe('complete');
    });

    it('charges the uploader bytes and refuses what would exceed the quota', async () => {
      const uploader = rid('u');
      expect(await store.reserve(record({ uploader, size: 600 }), LIMITS)).toEqual({ ok: true });
      expect(await store.reserve(record({ uploader, size: 401 }), LIMITS)).toEqual({
        ok: false,
        reason: 'user_quota',
      });
      expect(await store.reserve(record({ uploader, size: 400 }), LIMITS)).toEqual({ ok: true });
      expect(await store.usage(uploader)).toEqual({ bytes: 1000, pending: 0 });
    });

    it('counts pending objects per recipient and refuses one too many', async () => {
      const recipient = rid('u');
      for (let i = 0; i < 3; i++)
        expect((await store.reserve(record({ recipient, size: 1 }), LIMITS)).ok).toBe(true);
      const refused = record({ recipient, size: 1 });
      expect(await store.reserve(refused, LIMITS)).toEqual({ ok: false, reason: 'recipient_pending' });
      expect(await store.get(refused.id)).toBeUndefined();
      // The refused object charged nothing to its uploader.
      expect(await store.usage(refused.uploader)).toEqual({ bytes: 0, pending: 0 });
      expect((await store.usage(recipient)).pending).toBe(3);
    });

    it('enforces quotas atomically under concurrent reservations', async () => {
      const uploader = rid('u');
      const results = await Promise.all(
        Array.from({ length: 20 }, () => store.reserve(record({ uploader, size: 100 }), LIMITS)),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(10);
      expect((await store.usage(uploader)).bytes).toBe(1000);
    });

    it('removes once, returning the record, and releases its quota', async () => {
      const r = record({ size: 700 });
      await store.reserve(r, LIMITS);
      const removed = await Promise.all([store.remove(r.id), store.remove(r.id)]);
      expect(removed.filter(Boolean)).toEqual([r]);
      expect(await store.get(r.id)).toBeUndefined();
      expect(await store.usage(r.uploader)).toEqual({ bytes: 0, pending: 0 });
      expect(await store.usage(r.recipient)).toEqual({ bytes: 0, pending: 0 });
      expect(await store.reserve(record({ uploader: r.uploader, size: 1000 }), LIMITS)).toEqual({ ok: true });
    });

    it('lists expired objects and stale incomplete uploads', async () => {
      const base = T0 + 1000 * DAY + Math.floor(Math.random() * DAY);
      const expired = record({ state: 'complete', createdAt: base - 8 * DAY, expiresAt: base - 1 });
      const fresh = record({ state: 'complete', createdAt: base - DAY, expiresAt: base + 6 * DAY });
      const staleUpload = record({ createdAt: base - 2 * DAY, expiresAt: base + 5 * DAY });
      const activeUpload = record({ createdAt: base - 1000, expiresAt: base + 7 * DAY });
      for (const r of [expired, fresh, staleUpload, activeUpload]) await store.reserve(r, LIMITS);
      const ids = (await store.listExpired(base, base - DAY, 10_000)).map((r) => r.id);
      expect(ids).toEqual(expect.arrayContaining([expired.id, staleUpload.id]));
      expect(ids).not.toContain(fresh.id);
      expect(ids).not.toContain(activeUpload.id);
      expect(await store.listExpired(base, base - DAY, 1)).toHaveLength(1);
    });

    it('rejects operator objects and malformed ids instead of widening a query', async () => {
      await expect(store.get(evil({ $gt: '' }))).rejects.toBeInstanceOf(UnsafeRelayInputError);
      await expect(store.remove(evil({ $ne: null }))).rejects.toBeInstanceOf(UnsafeRelayInputError);
      await expect(store.listForRecipient(evil({ $gt: '' }), T0)).rejects.toBeInstanceOf(
        UnsafeRelayInputError,
      );
      await expect(store.get('$where')).rejects.toBeInstanceOf(UnsafeRelayInputError);
      await expect(store.reserve(record({ size: -1 }), LIMITS)).rejects.toBeInstanceOf(UnsafeRelayInputError);
      await expect(store.reserve(record({ recipient: evil({ $gt: '' }) }), LIMITS)).rejects.toBeInstanceOf(
        UnsafeRelayInputError,
      );
      await expect(store.reserve(record({ state: evil('done') }), LIMITS)).rejects.toBeInstanceOf(
        UnsafeRelayInputError,
      );
    });

    it('refuses a duplicate id and keeps quotas consistent', async () => {
      const r = record({ size: 10 });
      await store.reserve(r, LIMITS);
      const dup = record({ id: r.id, size: 10 });
      await expect(store.reserve(dup, LIMITS)).rejects.toThrow();
      expect(await store.usage(dup.uploader)).toEqual({ bytes: 0, pending: 0 });
      expect(await store.get(r.id)).toEqual(r);
    });
  });
}
