import { describe, expect, it } from 'vitest';
import type { Connection } from '../ws/connection.ts';
import { ChatHub } from './chat-hub.ts';
import type { MessageRecord } from './chat-store.ts';

// Only the fields the hub reads; a real Connection carries much more gateway state.
const conn = (userId: string, deviceId: string) =>
  ({ userId, deviceId, closed: false, closing: false, replaced: false }) as unknown as Connection;

const record = (conversationId: string, seq: number, to: Array<[string, string]>): MessageRecord => ({
  conversationId,
  seq,
  messageId: `m_${conversationId}_${seq}`,
  senderUser: 'u_alice',
  senderDevice: 'd_a',
  kind: 'text',
  sentAt: seq,
  transferId: null,
  system: null,
  envelopes: to.map(([user, device]) => ({
    user,
    device,
    nonce: 'N'.repeat(32),
    box: `box-${user}-${device}`,
  })),
  deletedAt: null,
});

function harness() {
  const sent = new Map<Connection, Array<{ conversation: string; seq: number; box?: string }>>();
  const hub = new ChatHub();
  hub.bind({
    send(c, frame) {
      const { message } = JSON.parse(frame) as {
        message: { conversation: string; seq: number; envelope?: { box: string } };
      };
      const list = sent.get(c) ?? [];
      list.push({
        conversation: message.conversation,
        seq: message.seq,
        ...(message.envelope ? { box: message.envelope.box } : {}),
      });
      sent.set(c, list);
      return true;
    },
  });
  return { hub, sent };
}

describe('ChatHub', () => {
  it('sends nothing to a connection that has not synced', () => {
    const { hub, sent } = harness();
    const phone = conn('u_bob', 'd_phone');
    expect(hub.deliver(['u_bob'], record('c', 1, [['u_bob', 'd_phone']]))).toBe(0);
    expect(sent.get(phone)).toBeUndefined();
  });

  it('gives each device only its own envelope', () => {
    const { hub, sent } = harness();
    const phone = conn('u_bob', 'd_phone');
    const tablet = conn('u_bob', 'd_tab');
    for (const c of [phone, tablet]) {
      hub.beginSync(c);
      hub.endSync(c);
    }
    hub.deliver(
      ['u_bob'],
      record('c', 1, [
        ['u_bob', 'd_phone'],
        ['u_bob', 'd_tab'],
      ]),
    );
    expect(sent.get(phone)).toEqual([{ conversation: 'c', seq: 1, box: 'box-u_bob-d_phone' }]);
    expect(sent.get(tablet)).toEqual([{ conversation: 'c', seq: 1, box: 'box-u_bob-d_tab' }]);
  });

  it('holds live messages during a catch-up and merges them once, in order', () => {
    const { hub, sent } = harness();
    const phone = conn('u_bob', 'd_phone');
    const to: Array<[string, string]> = [['u_bob', 'd_phone']];
    hub.beginSync(phone);
    hub.sendCatchUp(phone, record('c', 4, to));
    // Live messages arrive while the catch-up reads: one it will also read (5), newer ones (6, 7).
    hub.deliver(['u_bob'], record('c', 5, to));
    hub.deliver(['u_bob'], record('c', 6, to));
    hub.sendCatchUp(phone, record('c', 5, to));
    hub.deliver(['u_bob'], record('d', 1, to));
    hub.deliver(['u_bob'], record('c', 7, to));
    expect(sent.get(phone)?.map((m) => `${m.conversation}${m.seq}`)).toEqual(['c4', 'c5']);
    hub.endSync(phone);
    expect(sent.get(phone)?.map((m) => `${m.conversation}${m.seq}`)).toEqual(['c4', 'c5', 'c6', 'd1', 'c7']);
    // After the catch-up, live messages go straight out.
    hub.deliver(['u_bob'], record('c', 8, to));
    expect(sent.get(phone)?.at(-1)).toMatchObject({ conversation: 'c', seq: 8 });
  });

  it('forgets closed and replaced connections', () => {
    const { hub } = harness();
    const phone = conn('u_bob', 'd_phone');
    hub.beginSync(phone);
    hub.endSync(phone);
    expect(hub.connectionCount('u_bob')).toBe(1);
    (phone as { closed: boolean }).closed = true;
    expect(hub.connectionCount('u_bob')).toBe(0);
  });
});
