import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Relationships } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import { createSqliteStore } from '../store/sqlite-store.ts';
import { ChatHub } from './chat-hub.ts';
import type { ChatLimits } from './chat-limits.ts';
import { createChatService } from './chat-service.ts';
import { createSqliteChatStore } from './sqlite-chat-store.ts';

// Everyone is everyone's contact here; limits are shrunk so each one is reached in a few calls.
const allContacts: Relationships = {
  canReach: async (a, b) => a !== b,
  audienceOf: async () => [],
};
const envelope = (user: string) => ({ user, device: 'd1', nonce: 'N'.repeat(32), box: 'B'.repeat(40) });

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

function service(limits: Partial<ChatLimits>, now = () => 1_000) {
  const store = createSqliteStore({ path: ':memory:' });
  const chat = createSqliteChatStore({ path: ':memory:' });
  open.push(store, chat);
  return createChatService({
    store,
    chat,
    contacts: allContacts,
    hub: new ChatHub(),
    clock: { now },
    log: pino({ level: 'silent' }),
    limits,
  });
}

const codeOf = async (p: Promise<unknown>) => {
  const err = await p.catch((e: unknown) => e);
  return err instanceof HttpError ? `${err.status} ${err.code}` : String(err);
};

describe('chat service limits', () => {
  it('members per group: limit_exceeded on create and on add', async () => {
    const chat = service({ maxGroupMembers: 3 });
    expect(await codeOf(chat.create('u_a', { kind: 'group', members: ['u_b', 'u_c', 'u_d'] }))).toBe(
      '409 limit_exceeded',
    );
    const c = await chat.create('u_a', { kind: 'group', members: ['u_b', 'u_c'] });
    expect(await codeOf(chat.addMembers('u_a', c.id, ['u_d']))).toBe('409 limit_exceeded');
  });

  it('conversations per user: limit_exceeded, for the creator and for who is added', async () => {
    const chat = service({ maxConversationsPerUser: 2 });
    await chat.create('u_a', { kind: 'group', members: ['u_b'] });
    await chat.create('u_a', { kind: 'group', members: ['u_c'] });
    expect(await codeOf(chat.create('u_a', { kind: 'group', members: ['u_d'] }))).toBe('409 limit_exceeded');
    await chat.create('u_x', { kind: 'group', members: ['u_b'] });
    expect(await codeOf(chat.create('u_y', { kind: 'group', members: ['u_b'] }))).toBe('409 limit_exceeded');
  });

  it('send rate per user: rate_limited past the burst, refilled with time', async () => {
    let now = 1_000;
    const chat = service({ sendBurst: 3, sendsPerSecond: 1 }, () => now);
    const c = await chat.create('u_a', { kind: 'direct', members: ['u_b'] });
    const send = (n: number) =>
      chat.send('u_a', 'd1', {
        type: 'chat.send',
        conversation: c.id,
        messageId: `m_${n}`,
        kind: 'text',
        envelopes: [envelope('u_b')],
      });
    for (let i = 0; i < 3; i++) await send(i);
    expect(await codeOf(send(3))).toBe('429 rate_limited');
    now += 1_000;
    expect((await send(4)).message.seq).toBe(5); // 1 is the `created` system message
  });

  it('concurrent sends to one conversation are numbered in the order they were accepted', async () => {
    const chat = service({ sendBurst: 100 });
    const c = await chat.create('u_a', { kind: 'direct', members: ['u_b'] });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        chat.send('u_a', 'd1', {
          type: 'chat.send',
          conversation: c.id,
          messageId: `m_${i}`,
          kind: 'text',
          envelopes: [envelope('u_b')],
        }),
      ),
    );
    expect(results.map((r) => r.message.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 2));
  });

  it('a direct conversation cannot be renamed, extended or left', async () => {
    const chat = service({});
    const c = await chat.create('u_a', { kind: 'direct', members: ['u_b'] });
    expect(await codeOf(chat.rename('u_a', c.id, 'x'))).toBe('400 bad_request');
    expect(await codeOf(chat.addMembers('u_a', c.id, ['u_c']))).toBe('400 bad_request');
    expect(await codeOf(chat.leave('u_a', c.id))).toBe('400 bad_request');
  });
});
