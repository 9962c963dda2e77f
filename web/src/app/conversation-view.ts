// One-to-one conversation with an open contact: history, live messages, typing, and receipts on my
// own messages (sent → delivered → read). Bodies come from the peer: always text nodes.
import {
  type ChatMessageView,
  type ConversationInfo,
  type HypersendClient,
  HypersendError,
} from '@hypersend/client/browser';
import type { ContactInfo } from '@hypersend/protocol';
import { el, uid } from './dom.ts';
import type { ErrorBanner } from './error-banner.ts';
import { formatBytes } from './format.ts';

const HISTORY_PAGE = 50;
const TYPING_EVERY_MS = 3_000;
const TYPING_SHOWN_MS = 5_000;

/** A mounted conversation; `close` unsubscribes from the client's chat events. */
export interface ConversationView {
  element: HTMLElement;
  close(): void;
}

/**
 * The conversation with `contact` (the direct conversation is created on first open).
 *
 * @example
 * const conv = conversationView(client, banner, bob);
 * pane.append(conv.element); // later: conv.close()
 */
export function conversationView(
  client: HypersendClient,
  banner: ErrorBanner,
  contact: ContactInfo,
): ConversationView {
  const list = el('ol', {
    class: 'messages',
    'aria-label': `Messages with ${contact.username}`,
    'aria-live': 'polite',
  });
  const typing = el('p', { class: 'muted typing', 'aria-live': 'polite' });
  const inputId = uid('message');
  const input = el('textarea', { id: inputId, name: 'message', rows: 2, maxlength: 4000, required: true });
  const send = el('button', { type: 'submit', disabled: true }, 'Send message');
  const form = el(
    'form',
    { class: 'compose' },
    el('label', { for: inputId }, `Message to ${contact.username} (Enter sends, Shift+Enter for a new line)`),
    input,
    el('div', { class: 'actions' }, send),
  );
  const element = el(
    'section',
    { class: 'conversation', 'aria-label': `Conversation with ${contact.username}` },
    el('h3', {}, 'Conversation'),
    list,
    typing,
    form,
  );

  let conversation: ConversationInfo | undefined;
  const rows = new Map<number, { li: HTMLLIElement; receipt: HTMLElement | undefined }>();
  // The other member's cumulative receipts: every own message up to `read` was read, and so on.
  let peerDelivered = 0;
  let peerRead = 0;
  let lastRead = 0;
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  let lastTypingSent = 0;
  const offs: Array<() => void> = [];

  const nameOf = (userId: string): string => {
    const member = conversation?.members.find((m) => m.userId === userId);
    return member ? member.displayName || member.username : userId;
  };

  const receiptText = (seq: number): string =>
    seq <= peerRead ? 'read' : seq <= peerDelivered ? 'delivered' : 'sent';

  const updateReceipts = () => {
    for (const [seq, row] of rows) {
      if (!row.receipt) continue;
      const state = receiptText(seq);
      if (row.receipt.dataset.receipt === state) continue;
      row.receipt.dataset.receipt = state;
      row.receipt.textContent = state;
    }
  };

  const render = (m: ChatMessageView) => {
    if (rows.has(m.seq)) return;
    // Receipts only mean something on what a person sent; system events are the server's.
    const receipt = m.outgoing && m.kind !== 'system' ? el('span', { class: 'receipt' }) : undefined;
    const time = new Date(m.sentAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    const system = m.kind === 'system';
    const kindClass = system ? ' system' : m.outgoing ? ' outgoing' : '';
    const li = el(
      'li',
      { class: `message${kindClass}`, 'data-seq': m.seq, 'data-kind': m.kind },
      el(
        'div',
        { class: 'message-meta' },
        system ? '' : m.outgoing ? 'You · ' : `${nameOf(m.sender.user)} · `,
        time,
        receipt ? ' · ' : '',
        receipt,
      ),
      el('div', { class: 'message-body' }, bodyText(m, nameOf)),
    );
    // Keep sequence order even when a live message overtakes a history page.
    const after = [...rows.keys()].filter((s) => s > m.seq).sort((a, b) => a - b)[0];
    const before = after === undefined ? null : (rows.get(after)?.li ?? null);
    list.insertBefore(li, before);
    rows.set(m.seq, { li, receipt });
    updateReceipts();
    if (before === null) list.scrollTop = list.scrollHeight;
  };

  const markRead = (seq: number) => {
    if (!conversation || seq <= lastRead || document.visibilityState !== 'visible') return;
    lastRead = seq;
    client.chat
      .markRead(conversation.id, seq)
      .catch((err: unknown) => banner.show(err, 'Could not send a read receipt'));
  };

  const start = async () => {
    conversation = await client.chat.create([contact.userId]);
    const peer = conversation.members.find((m) => m.userId === contact.userId);
    peerDelivered = peer?.delivered ?? 0;
    peerRead = peer?.read ?? 0;
    const id = conversation.id;
    offs.push(
      client.chat.on('message', (m) => {
        if (m.conversation !== id) return;
        render(m);
        if (!m.outgoing) {
          typing.textContent = '';
          markRead(m.seq);
        }
      }),
      client.chat.on('receipt', (r) => {
        if (r.conversation !== id || r.user !== contact.userId) return;
        peerDelivered = Math.max(peerDelivered, r.delivered);
        peerRead = Math.max(peerRead, r.read);
        updateReceipts();
      }),
      client.chat.on('typing', (t) => {
        if (t.conversation !== id || t.user !== contact.userId) return;
        typing.textContent = `${contact.displayName || contact.username} is typing…`;
        clearTimeout(typingTimer);
        typingTimer = setTimeout(() => {
          typing.textContent = '';
        }, TYPING_SHOWN_MS);
      }),
    );
    const page = await client.chat.history(id, { limit: HISTORY_PAGE });
    for (const m of page.messages) render(m);
    const newestIncoming = page.messages.filter((m) => !m.outgoing).at(-1);
    if (newestIncoming) markRead(newestIncoming.seq);
    send.disabled = false;
  };

  const submit = () => {
    const text = input.value;
    if (!conversation || text.trim() === '') return;
    send.disabled = true;
    client.chat.send(conversation.id, text).then(
      (sent) => {
        input.value = '';
        send.disabled = false;
        input.focus();
        // The SDK never encrypts to a device whose key changed: say so instead of implying delivery.
        if (sent.skippedDevices.length > 0)
          banner.show(
            new HypersendError(
              'key_changed',
              `not sent to ${sent.skippedDevices.length} device(s) whose key changed; compare safety numbers`,
            ),
            'Message held back',
          );
        // The event usually renders it first; this covers an event that is still on its way.
        if (!rows.has(sent.seq))
          render({
            conversation: sent.conversation,
            seq: sent.seq,
            messageId: sent.messageId,
            sender: { user: client.me?.userId ?? '', device: client.device?.deviceId ?? '' },
            kind: 'text',
            sentAt: sent.sentAt,
            outgoing: true,
            text,
          });
      },
      (err: unknown) => {
        send.disabled = false;
        banner.show(err, 'Message not sent');
      },
    );
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  input.addEventListener('input', () => {
    const now = Date.now();
    if (!conversation || now - lastTypingSent < TYPING_EVERY_MS) return;
    lastTypingSent = now;
    client.chat.typing(conversation.id).catch(() => {
      // Typing indicators are best effort: a lost one is not worth an error banner.
    });
  });
  const onVisible = () => {
    const newest = [...rows.entries()].filter(([, r]) => !r.receipt).map(([seq]) => seq);
    if (newest.length > 0) markRead(Math.max(...newest));
  };
  document.addEventListener('visibilitychange', onVisible);

  start().catch((err: unknown) => banner.show(err, 'Could not open the conversation'));
  return {
    element,
    close: () => {
      for (const off of offs) off();
      clearTimeout(typingTimer);
      document.removeEventListener('visibilitychange', onVisible);
    },
  };
}

function bodyText(m: ChatMessageView, nameOf: (userId: string) => string): string {
  if (m.deletedAt !== undefined) return '(deleted)';
  if (m.failure !== undefined) return `(could not be shown [${m.failure}])`;
  switch (m.kind) {
    case 'text':
      return m.text ?? '';
    case 'file': {
      const s = m.file?.summary;
      return s
        ? `Files: ${s.names.join(', ')} (${s.files} file${s.files === 1 ? '' : 's'}, ${formatBytes(s.size)})`
        : 'Files';
    }
    case 'system':
      return m.system ? `(${describeSystem(m.system, nameOf)})` : '(membership changed)';
  }
}

function describeSystem(
  event: NonNullable<ChatMessageView['system']>,
  nameOf: (userId: string) => string,
): string {
  const users = (event.users ?? []).map(nameOf).join(', ');
  switch (event.event) {
    case 'created':
      return `${nameOf(event.actor)} started the conversation`;
    case 'renamed':
      return `${nameOf(event.actor)} renamed it to ${event.title ?? ''}`;
    case 'added':
      return `${nameOf(event.actor)} added ${users}`;
    case 'removed':
      return `${nameOf(event.actor)} removed ${users}`;
    case 'left':
      return `${nameOf(event.actor)} left`;
  }
}
