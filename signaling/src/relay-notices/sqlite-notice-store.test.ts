import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { describeNoticeStoreContract } from './notice-store.contract.ts';
import { createSqliteNoticeStore } from './sqlite-notice-store.ts';

describeNoticeStoreContract('sqlite in memory', async () => createSqliteNoticeStore({ path: ':memory:' }));

const dir = await mkdtemp(join(tmpdir(), 'hypersend-notices-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
describeNoticeStoreContract('sqlite on disk', async () =>
  createSqliteNoticeStore({ path: join(dir, 'relay-notices.db') }),
);
