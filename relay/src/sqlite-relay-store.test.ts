import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeRelayStoreContract } from './relay-store.contract.ts';
import { createSqliteRelayStore } from './sqlite-relay-store.ts';

describeRelayStoreContract('sqlite (memory)', async () => createSqliteRelayStore({ path: ':memory:' }));

const root = mkdtempSync(join(tmpdir(), 'hypersend-relay-sqlite-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
describeRelayStoreContract('sqlite (file, WAL)', async () =>
  createSqliteRelayStore({ path: join(root, 'c', 'relay.db') }),
);

describe('sqlite relay store on disk', () => {
  it('keeps records across reopen in a private file', async () => {
    const path = join(root, 'reopen', 'relay.db');
    const first = createSqliteRelayStore({ path });
    const r = {
      id: 'AAAAAAAAAAAAAAAAAAAAAA',
      uploader: 'u_a',
      recipient: 'u_b',
      transferId: 't_1',
      firstChunk: 3,
      size: 9,
      state: 'complete' as const,
      createdAt: 1,
      expiresAt: 2,
    };
    await first.reserve(r, { maxBytesPerUser: 100, maxPendingPerRecipient: 1 });
    await first.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const second = createSqliteRelayStore({ path });
    expect(await second.get(r.id)).toEqual(r);
    await second.close();
  });
});
