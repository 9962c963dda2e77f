import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { startRetention } from './retention.ts';
import { createSqliteChatStore } from './sqlite-chat-store.ts';

describe('chat retention sweeper', () => {
  it('removes messages older than the retention (injected clock) and keeps numbering', async () => {
    const chat = createSqliteChatStore({ path: ':memory:' });
    let now = 1_000_000;
    const clock = { now: () => now };
    await chat.createConversation(
      { id: 'c1', kind: 'group', title: '', createdAt: 0, createdBy: 'u', directKey: 'g:c1' },
      [],
    );
    const add = (sentAt: number) =>
      chat.appendMessage({
        conversationId: 'c1',
        messageId: `m_${sentAt}`,
        senderUser: 'u',
        senderDevice: 'd',
        kind: 'text',
        sentAt,
        transferId: null,
        system: null,
        envelopes: [],
      });
    await add(1_000);
    await add(2_000);
    await add(900_000);
    const retention = startRetention({ chat, retentionMs: 100_000, clock, log: pino({ level: 'silent' }) });
    try {
      now = 1_000_000; // cutoff 900_000: the first two go
      expect(await retention.sweep()).toBe(2);
      expect((await chat.listMessages('c1', { limit: 10 })).map((m) => m.seq)).toEqual([3]);
      now = 2_000_000;
      expect(await retention.sweep()).toBe(1);
      expect((await add(now)).message.seq).toBe(4);
    } finally {
      await retention.close();
      await chat.close();
    }
  });
});
