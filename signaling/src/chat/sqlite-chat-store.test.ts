import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../store/sqlite-store.ts';
import { describeChatStoreContract } from './chat-store.contract.ts';
import { createSqliteChatStore } from './sqlite-chat-store.ts';

describeChatStoreContract('sqlite (memory)', async () => createSqliteChatStore({ path: ':memory:' }));

const root = mkdtempSync(join(tmpdir(), 'hypersend-chat-sqlite-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('sqlite chat store in the main store file', () => {
  it('shares hypersend.db with the main store and keeps both schemas', async () => {
    const path = join(root, 'data', 'hypersend.db');
    const main = createSqliteStore({ path });
    const chat = createSqliteChatStore({ path });
    await main.createUser({
      id: 'u_a',
      username: 'alice',
      displayName: 'A',
      passwordHash: null,
      createdAt: 1,
    });
    await chat.createConversation(
      { id: 'c1', kind: 'group', title: 't', createdAt: 1, createdBy: 'u_a', directKey: 'g:c1' },
      [],
    );
    await chat.close();
    // Reopening runs no migration twice and sees the data.
    const again = createSqliteChatStore({ path });
    expect((await again.getConversation('c1'))?.title).toBe('t');
    expect((await main.getUserById('u_a'))?.username).toBe('alice');
    await again.close();
    await main.close();
  });
});
