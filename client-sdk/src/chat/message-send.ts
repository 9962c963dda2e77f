// Sends one message: the body sealed to every recipient device, handed to the server as
// `chat.send`, and the server's `chat.sent` turned into what the app sees.
import type { ChatServerMessage } from '@hypersend/protocol';
import type { SignalingClient } from '../signaling/signaling-client.ts';
import { type ChatBody, type RecipientDevice, sealChatBody } from './chat-crypto.ts';
import type { SentMessage } from './chat-types.ts';
import type { ChatSelf } from './message-view.ts';

/** One message ready to seal: where, which id, and its content. */
export interface OutgoingMessage {
  conversation: string;
  messageId: string;
  kind: 'text' | 'file';
  content: Pick<ChatBody, 'text' | 'file'>;
}

/**
 * Seal `message` from `self` to `recipients` and send it; `skipped` (devices left out for an
 * unaccepted key change) is reported back as is. The transfer id of a file offer travels in clear
 * as well, so the transfer code can find the message.
 *
 * @example
 * const sent = await sendSealed(signaling, self, { conversation, messageId, kind: 'text', content: { text } },
 *   recipients, skipped);
 * @throws HypersendError with the server's code (`not_found`, `rate_limited`, `frame_too_large`, ...).
 */
export async function sendSealed(
  signaling: SignalingClient,
  self: ChatSelf,
  message: OutgoingMessage,
  recipients: readonly RecipientDevice[],
  skipped: string[],
): Promise<SentMessage> {
  const { conversation, messageId, kind, content } = message;
  const envelopes = await sealChatBody(
    { conversation, messageId, kind, ...content },
    { user: self.userId, device: self.identity.deviceId, secrets: self.identity.secrets },
    recipients,
  );
  const sent = await signaling.chatRequest<Extract<ChatServerMessage, { type: 'chat.sent' }>>({
    type: 'chat.send',
    conversation,
    messageId,
    kind,
    ...(content.file ? { transferId: content.file.transferId } : {}),
    envelopes,
  });
  return {
    conversation: sent.conversation,
    messageId: sent.messageId,
    seq: sent.seq,
    sentAt: sent.sentAt,
    duplicate: sent.duplicate,
    devices: envelopes.length,
    skippedDevices: skipped,
  };
}
