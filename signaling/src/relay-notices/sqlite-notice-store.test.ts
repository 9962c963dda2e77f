import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RelayNotice } from '@hypersend/protocol';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { describeNoticeStoreContract } from './notice-store.contract.ts';
import { createSqliteNoticeStore, LIST_FOR_DEVICE_SQL } from './sqlite-notice-store.ts';

describeNoticeStoreContract('sqlite in memory', async () => createSqliteNoticeStore({ path: ':memory:' }));

const dir = await mkdtemp(join(tmpdir(), 'hypersend-notices-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
describeNoticeStoreContract('sqlite on disk', async () =>
  createSqliteNoticeStore({ path: join(dir, 'relay-notices.db') }),
);

describe('sqlite notice store, per-device listing', () => {
  it('is planned on the (user, device, createdAt, id) index, with no sort step', async () => {
    const path = join(dir, 'plan.db');
    await createSqliteNoticeStore({ path }).close();
    const db = new Database(path, { readonly: true });
    try {
      const plan = db
        .prepare(`EXPLAIN QUERY PLAN ${LIST_FOR_DEVICE_SQL}`)
        .all('u_bob', 'd_b1', 0, 100) as Array<{ detail: string }>;
      const details = plan.map((p) => p.detail).join(' | ');
      expect(details).toContain('relay_notices_to_device');
      expect(details).not.toMatch(/TEMP B-TREE/);
    } finally {
      db.close();
    }
  });

  it('serves a file written before the per-device index existed (no migration needed)', async () => {
    const path = join(dir, 'old.db');
    const old = new Database(path);
    old.exec(`CREATE TABLE relay_notices (
      id TEXT PRIMARY KEY, to_user TEXT NOT NULL, created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL, body TEXT NOT NULL) STRICT`);
    const notice: RelayNotice = {
      id: 'n_old',
      from: { user: 'u_alice', device: 'd_a1' },
      to: { user: 'u_bob', device: 'd_b2' },
      transferId: 't_old',
      objectId: 'AAAAAAAAAAAAAAAAAAAAAA',
      size: 1,
      createdAt: 1_000,
      expiresAt: 10_000,
    };
    old
      .prepare('INSERT INTO relay_notices VALUES (?, ?, ?, ?, ?)')
      .run(notice.id, notice.to.user, notice.createdAt, notice.expiresAt, JSON.stringify(notice));
    old.close();
    const store = createSqliteNoticeStore({ path });
    try {
      expect(await store.listForDevice('u_bob', 'd_b2', 5_000, 10)).toEqual([notice]);
      expect(await store.listForDevice('u_bob', 'd_b1', 5_000, 10)).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
