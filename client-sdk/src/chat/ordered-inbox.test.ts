import type { ChatMessage } from '@hypersend/protocol';
import { describe, expect, it } from 'vitest';
import { OrderedInbox } from './ordered-inbox.ts';

const msg = (conversation: string, seq: number): ChatMessage => ({
  conversation,
  seq,
  messageId: `m_${conversation}_${seq}`,
  sender: { user: 'u', device: 'd' },
  kind: 'text',
  sentAt: seq,
});

describe('OrderedInbox', () => {
  it('delivers once per (conversation, seq), in arrival order, even with a slow consumer', async () => {
    const out: string[] = [];
    const inbox = new OrderedInbox(async (m) => {
      await new Promise((r) => setTimeout(r, m.seq === 1 ? 20 : 0));
      out.push(`${m.conversation}:${m.seq}`);
    });
    for (const m of [
      msg('a', 1),
      msg('b', 1),
      msg('a', 2),
      msg('a', 1),
      msg('a', 2),
      msg('b', 1),
      msg('a', 3),
    ])
      inbox.push(m);
    await inbox.idle();
    expect(out).toEqual(['a:1', 'b:1', 'a:2', 'a:3']);
    expect(inbox.cursor('a')).toBe(3);
  });

  it('keeps going after a failing delivery', async () => {
    const out: number[] = [];
    const inbox = new OrderedInbox(async (m) => {
      if (m.seq === 1) throw new Error('boom');
      out.push(m.seq);
    });
    inbox.push(msg('a', 1));
    inbox.push(msg('a', 2));
    await inbox.idle();
    expect(out).toEqual([2]);
  });
});
