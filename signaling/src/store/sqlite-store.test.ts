import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from './sqlite-store.ts';
import { describeStoreContract } from './store.contract.ts';

describeStoreContract('sqlite (memory)', async () => createSqliteStore({ path: ':memory:' }));

const root = mkdtempSync(join(tmpdir(), 'hypersend-sqlite-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
describeStoreContract('sqlite (file, WAL)', async () =>
  createSqliteStore({ path: join(root, `c${n++}`, 'db') }),
);

describe('sqlite store on disk', () => {
  it('creates a private directory and file, in WAL mode, at the latest schema version', async () => {
    const path = join(root, 'fresh', 'nested', 'hypersend.db');
    const store = createSqliteStore({ path });
    await store.ping();
    await store.close();
    expect(statSync(join(root, 'fresh', 'nested')).mode & 0o777).toBe(0o700);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    db.close();
  });

  it('keeps data across reopen and does not re-run migrations', async () => {
    const path = join(root, 'reopen.db');
    const first = createSqliteStore({ path });
    const user = { id: 'u_1', username: 'alice', displayName: 'Alice', passwordHash: null, createdAt: 1 };
    await first.createUser(user);
    await first.close();
    const second = createSqliteStore({ path });
    expect(await second.getUserById('u_1')).toEqual(user);
    await second.close();
  });

  it('purges refresh tokens a day past expiry when opened', async () => {
    const path = join(root, 'purge.db');
    const store = createSqliteStore({ path });
    const base = { familyId: 'f_1', userId: 'u_1', createdAt: 0, usedAt: null, revoked: false };
    await store.insertRefreshToken({ ...base, tokenHash: 'old', expiresAt: Date.now() - 2 * 86_400_000 });
    await store.insertRefreshToken({ ...base, tokenHash: 'recent', expiresAt: Date.now() - 60_000 });
    await store.close();
    const reopened = createSqliteStore({ path });
    expect(await reopened.consumeRefreshToken('old', Date.now())).toEqual({ status: 'missing' });
    expect(await reopened.consumeRefreshToken('recent', Date.now())).toMatchObject({ status: 'expired' });
    await reopened.close();
  });

  it('refuses a database written by a newer schema', async () => {
    const path = join(root, 'newer.db');
    const db = new Database(path);
    db.pragma('user_version = 99');
    db.close();
    expect(() => createSqliteStore({ path })).toThrow(/newer than this server/);
  });
});
