import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreConflictError, UnsafeStoreInputError } from '../store/store.ts';
import type { ChatStore, ConversationRecord, MemberRecord, NewMessage } from './chat-store.ts';
import { directKeyOf } from './chat-store.ts';

// The one behavioural contract of `ChatStore`, run against both implementations
// (sqlite-chat-store.test.ts, test/src/chat/mongo-chat-store.test.ts). One store per
// implementation; every test uses fresh random ids.

const T0 = 1_700_000_000_000;
const rid = (prefix: string) => `${prefix}_${randomBytes(9).toString('base64url')}`;

function conversation(overrides: Partial<ConversationRecord> = {}): ConversationRecord {
  const id = rid('c');
  return {
    id,
    kind: 'group',
    title: 'Team',
    createdAt: T0,
    createdBy: 'u_owner',
    directKey: `g:${id}`,
    ...overrides,
  };
}
function member(conversationId: string, userId: string, overrides: Partial<MemberRecord> = {}): MemberRecord {
  return { conversationId, userId, role: 'member', joinedAt: T0, delivered: 0, read: 0, ...overrides };
}
function message(conversationId: string, overrides: Partial<NewMessage> = {}): NewMessage {
  return {
    conversationId,
    messageId: rid('m'),
    senderUser: 'u_alice',
    senderDevice: 'd_laptop',
    kind: 'text',
    sentAt: T0,
    transferId: null,
    system: null,
    envelopes: [{ user: 'u_bob', device: 'd_phone', nonce: 'A'.repeat(32), box: 'B'.repeat(40) }],
    ...overrides,
  };
}

export function describeChatStoreContract(name: string, open: () => Promise<ChatStore>): void {
  describe(`ChatStore contract: ${name}`, () => {
    let store: ChatStore;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    it('creates a conversation with members and lists memberships both ways', async () => {
      const c = conversation();
      await store.createConversation(c, [
        member(c.id, 'u_owner', { role: 'owner' }),
        member(c.id, 'u_x', { joinedAt: T0 + 1 }),
      ]);
      expect(await store.getConversation(c.id)).toEqual(c);
      expect((await store.listMembers(c.id)).map((m) => [m.userId, m.role])).toEqual([
        ['u_owner', 'owner'],
        ['u_x', 'member'],
      ]);
      const mine = await store.listMemberships('u_x');
      expect(mine.some((m) => m.conversationId === c.id)).toBe(true);
      expect(await store.countMemberships('u_x')).toBe(mine.length);
      expect(await store.getConversation(rid('c'))).toBeNull();
    });

    it('keeps one direct conversation per pair (unique direct key)', async () => {
      const a = rid('u');
      const b = rid('u');
      const first = conversation({ kind: 'direct', directKey: directKeyOf(a, b) });
      await store.createConversation(first, [member(first.id, a), member(first.id, b)]);
      const second = conversation({ kind: 'direct', directKey: directKeyOf(b, a) });
      await expect(store.createConversation(second, [])).rejects.toBeInstanceOf(StoreConflictError);
      expect((await store.findConversationByDirectKey(directKeyOf(b, a)))?.id).toBe(first.id);
    });

    it('renames, replaces and removes members', async () => {
      const c = conversation();
      await store.createConversation(c, [member(c.id, 'u_a')]);
      await store.setTitle(c.id, 'Renamed');
      expect((await store.getConversation(c.id))?.title).toBe('Renamed');
      await store.putMember(member(c.id, 'u_a', { role: 'owner' }));
      expect((await store.getMember(c.id, 'u_a'))?.role).toBe('owner');
      expect(await store.deleteMember(c.id, 'u_a')).toBe(true);
      expect(await store.deleteMember(c.id, 'u_a')).toBe(false);
      expect(await store.getMember(c.id, 'u_a')).toBeNull();
    });

    it('assigns sequence numbers 1, 2, 3 and stores a repeated message id once', async () => {
      const c = conversation();
      await store.createConversation(c, []);
      const first = await store.appendMessage(message(c.id));
      const second = await store.appendMessage(message(c.id));
      expect([first.message.seq, second.message.seq]).toEqual([1, 2]);
      const again = await store.appendMessage({ ...message(c.id), messageId: first.message.messageId });
      expect(again).toMatchObject({
        duplicate: true,
        message: { seq: 1, messageId: first.message.messageId },
      });
      expect(await store.lastSeq(c.id)).toBe(2);
      expect((await store.listMessages(c.id, { limit: 100 })).length).toBe(2);
    });

    it('gives concurrent appends distinct, gap-free sequence numbers', async () => {
      const c = conversation();
      await store.createConversation(c, []);
      const results = await Promise.all(Array.from({ length: 20 }, () => store.appendMessage(message(c.id))));
      expect(results.map((r) => r.message.seq).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
    });

    it('stores a message id sent concurrently several times once', async () => {
      const c = conversation();
      await store.createConversation(c, []);
      const m = message(c.id);
      const results = await Promise.all(Array.from({ length: 5 }, () => store.appendMessage({ ...m })));
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      expect(new Set(results.map((r) => r.message.seq))).toEqual(new Set([1]));
      expect(await store.lastSeq(c.id)).toBe(1);
    });

    it('pages by sequence: newest, before, after; ascending and bounded', async () => {
      const c = conversation();
      await store.createConversation(c, []);
      for (let i = 0; i < 12; i++) await store.appendMessage(message(c.id, { sentAt: T0 + i }));
      const seqs = (ms: { seq: number }[]) => ms.map((m) => m.seq);
      expect(seqs(await store.listMessages(c.id, { limit: 5 }))).toEqual([8, 9, 10, 11, 12]);
      expect(seqs(await store.listMessages(c.id, { before: 8, limit: 5 }))).toEqual([3, 4, 5, 6, 7]);
      expect(seqs(await store.listMessages(c.id, { before: 3, limit: 5 }))).toEqual([1, 2]);
      expect(seqs(await store.listMessages(c.id, { after: 10, limit: 5 }))).toEqual([11, 12]);
      expect(seqs(await store.listMessages(c.id, { after: 0, limit: 3 }))).toEqual([1, 2, 3]);
    });

    it('round-trips every field of a message (file offer and system event)', async () => {
      const c = conversation();
      await store.createConversation(c, []);
      const file = message(c.id, { kind: 'file', transferId: 't_123' });
      const system = message(c.id, {
        kind: 'system',
        envelopes: [],
        system: { event: 'added', actor: 'u_alice', users: ['u_carol'] },
      });
      await store.appendMessage(file);
      await store.appendMessage(system);
      const [a, b] = await store.listMessages(c.id, { after: 0, limit: 10 });
      expect(a).toEqual({ ...file, seq: 1, deletedAt: null });
      expect(b).toEqual({ ...system, seq: 2, deletedAt: null });
    });

    it('tombstones: envelopes gone, seq kept, idempotent', async () => {
      const c = conversation();
      await store.createConversation(c, []);
      const { message: m } = await store.appendMessage(message(c.id));
      const t = await store.tombstone(c.id, m.messageId, T0 + 5);
      expect(t).toMatchObject({ seq: 1, envelopes: [], deletedAt: T0 + 5 });
      expect((await store.tombstone(c.id, m.messageId, T0 + 9))?.deletedAt).toBe(T0 + 5);
      expect(await store.tombstone(c.id, rid('m'), T0)).toBeNull();
    });

    it('raises receipts and device cursors, never lowers them', async () => {
      const c = conversation();
      await store.createConversation(c, [member(c.id, 'u_r')]);
      expect((await store.raiseReceipt(c.id, 'u_r', 'delivered', 5))?.delivered).toBe(5);
      expect(await store.raiseReceipt(c.id, 'u_r', 'delivered', 3)).toBeNull();
      expect((await store.raiseReceipt(c.id, 'u_r', 'read', 2))?.read).toBe(2);
      expect(await store.getMember(c.id, 'u_r')).toMatchObject({ delivered: 5, read: 2 });
      expect(await store.raiseReceipt(c.id, 'u_nobody', 'read', 9)).toBeNull();
      expect(await store.getDeviceCursor(c.id, 'u_r', 'd1')).toBe(0);
      await store.raiseDeviceCursor(c.id, 'u_r', 'd1', 4);
      await store.raiseDeviceCursor(c.id, 'u_r', 'd1', 2);
      expect(await store.getDeviceCursor(c.id, 'u_r', 'd1')).toBe(4);
      await store.raiseDeviceCursor(c.id, 'u_r', 'd1', 7);
      expect(await store.getDeviceCursor(c.id, 'u_r', 'd1')).toBe(7);
    });

    it('prunes old messages and never reuses their sequence numbers', async () => {
      const c = conversation();
      await store.createConversation(c, []);
      const base = T0 - 10_000_000;
      for (let i = 0; i < 3; i++) await store.appendMessage(message(c.id, { sentAt: base + i }));
      expect(await store.pruneMessages(base + 100)).toBeGreaterThanOrEqual(3);
      expect(await store.listMessages(c.id, { limit: 10 })).toEqual([]);
      expect(await store.lastSeq(c.id)).toBe(3);
      expect((await store.appendMessage(message(c.id))).message.seq).toBe(4);
    });

    it('bulk-inserts pre-numbered messages (benchmark seeding)', async () => {
      const c = conversation();
      await store.createConversation(c, []);
      const batch = Array.from({ length: 50 }, (_, i) => ({ ...message(c.id), seq: i + 1, deletedAt: null }));
      await store.bulkInsertMessages(batch);
      expect(await store.lastSeq(c.id)).toBe(50);
      expect((await store.appendMessage(message(c.id))).message.seq).toBe(51);
    });

    it('refuses ids that could become query operators', async () => {
      await expect(store.getConversation({ $gt: '' } as unknown as string)).rejects.toBeInstanceOf(
        UnsafeStoreInputError,
      );
      await expect(store.listMessages('$where' as string, { limit: 1 })).rejects.toBeInstanceOf(
        UnsafeStoreInputError,
      );
    });
  });
}
