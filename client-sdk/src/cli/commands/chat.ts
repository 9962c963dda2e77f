// chat <user|conversation>: an interactive terminal chat. Lines typed are sent; incoming
// messages of the conversation are printed as they arrive and marked read.
import type { ChatMessageView, ConversationInfo } from '../../chat/index.ts';
import type { CliContext } from '../cli-context.ts';
import { UsageError } from '../exit-codes.ts';
import type { Parsed } from '../parse.ts';
import { nameOf, resolveConversation } from './chat-target.ts';

const DEFAULT_HISTORY = 20;

/**
 * Peer-supplied text on a terminal: control characters (escape sequences could rewrite the
 * screen or the title) and bidi overrides are shown as U+FFFD.
 */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: neutralising control characters is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu, '\uFFFD');
}

/** One message as a line of the transcript. */
export function formatMessage(conv: ConversationInfo, m: ChatMessageView): string {
  const who = m.outgoing ? 'me' : printable(nameOf(conv, m.sender.user));
  if (m.system) {
    const users = (m.system.users ?? []).map((u) => printable(nameOf(conv, u))).join(', ');
    const title = m.system.title === undefined ? '' : ` "${printable(m.system.title)}"`;
    return `* ${printable(nameOf(conv, m.system.actor))} ${m.system.event}${users ? ` ${users}` : ''}${title}`;
  }
  if (m.deletedAt !== undefined) return `${who}: (deleted)`;
  if (m.failure === 'not_found') return `${who}: (not encrypted for this device)`;
  if (m.failure !== undefined) return `${who}: (could not be decrypted: ${m.failure})`;
  if (m.file) {
    const names = m.file.summary.names.map(printable).join(', ');
    return `${who} offers ${m.file.summary.files} file(s): ${names} (${m.file.summary.size} bytes)`;
  }
  return `${who}: ${printable(m.text ?? '')}`;
}

/** `hypersend chat <user|conversation> [--history N]`. */
export async function chat(cli: CliContext, a: Parsed): Promise<void> {
  const [target, ...rest] = a.args;
  if (!target || rest.length > 0) throw new UsageError('chat <user|conversation>', 'chat');
  const historyArg = a.values.history;
  const historySize = historyArg === undefined ? DEFAULT_HISTORY : Number(historyArg);
  if (!Number.isInteger(historySize) || historySize < 0 || historySize > 100)
    throw new UsageError('--history expects 0-100', 'chat');

  const client = await cli.loggedInClient();
  await client.connect();
  let conv = await resolveConversation(client, target);
  let shown = 0;
  const show = (m: ChatMessageView) => {
    if (m.seq <= shown) return;
    shown = m.seq;
    cli.say(formatMessage(conv, m), { event: 'chat_message', ...m });
  };
  let readTimer: ReturnType<typeof setTimeout> | undefined;
  const markRead = () => {
    readTimer ??= setTimeout(() => {
      readTimer = undefined;
      client.chat.markRead(conv.id, shown).catch(() => undefined);
    }, 200);
  };

  if (historySize > 0) {
    const page = await client.chat.history(conv.id, { limit: historySize });
    for (const m of page.messages) show(m);
  } else shown = conv.lastSeq;
  client.chat.on('message', (m) => {
    if (m.conversation !== conv.id) return;
    if (m.system) {
      // Membership changed: refresh names before printing.
      client.chat
        .get(conv.id)
        .then((fresh) => {
          conv = fresh;
        })
        .catch(() => undefined)
        .finally(() => show(m));
      return;
    }
    show(m);
    if (!m.outgoing) markRead();
  });
  client.chat.on('typing', (t) => {
    if (t.conversation === conv.id && !cli.g.json)
      process.stderr.write(`${printable(nameOf(conv, t.user))} is typing…\n`);
  });
  if (shown > 0) markRead();
  cli.warn(
    `chatting in ${printable(conv.title || target)} (${conv.members.length} members); /quit to leave`,
    {
      event: 'chat_ready',
      conversation: conv.id,
      lastSeq: conv.lastSeq,
    },
  );

  for (;;) {
    const line = await cli.readLine();
    if (line === undefined || line.trim() === '/quit') break;
    if (line.trim() === '') continue;
    try {
      await client.chat.send(conv.id, line);
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'error';
      cli.warn(`not sent (${code}): ${(err as Error).message}`, { event: 'chat_error', code });
    }
  }
  if (readTimer !== undefined) {
    clearTimeout(readTimer);
    await client.chat.markRead(conv.id, shown).catch(() => undefined);
  }
}
