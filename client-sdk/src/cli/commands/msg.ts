// msg <user|conversation> <text…>: send one chat message and exit.
import type { CliContext } from '../cli-context.ts';
import { UsageError } from '../exit-codes.ts';
import type { Parsed } from '../parse.ts';
import { resolveConversation } from './chat-target.ts';

/** `hypersend msg <to> <text>`: one end-to-end encrypted message to a contact or conversation. */
export async function msg(cli: CliContext, a: Parsed): Promise<void> {
  const [to, ...words] = a.args;
  const text = words.join(' ');
  if (!to || text.length === 0) throw new UsageError('msg <user|conversation> <text>', 'msg');
  const client = await cli.loggedInClient();
  // A one-shot sender shows nothing it receives, so it must not acknowledge anything as delivered.
  client.chat.autoSync = false;
  await client.connect();
  const conv = await resolveConversation(client, to);
  const sent = await client.chat.send(conv.id, text);
  cli.say(`sent #${sent.seq} to ${conv.title || to}`, {
    event: 'chat_sent',
    conversation: conv.id,
    seq: sent.seq,
    messageId: sent.messageId,
    devices: sent.devices,
  });
  if (sent.skippedDevices.length > 0)
    cli.warn(
      `not sent to ${sent.skippedDevices.length} device(s) whose key changed: see hypersend fingerprint`,
      {
        event: 'chat_skipped_devices',
        devices: sent.skippedDevices,
      },
    );
}
