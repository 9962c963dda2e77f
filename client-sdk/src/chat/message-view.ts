// Turns a wire chat message into what the app sees: metadata always, and the text or file offer
// once this device's envelope is opened and the sender's signature verified.
import type { ChatMessage } from '@hypersend/protocol';
import type { Logger } from '../api/runtime.ts';
import type { ContactDevice } from '../contacts/key-directory.ts';
import { HypersendError } from '../errors.ts';
import type { DeviceIdentity } from '../identity/device-identity.ts';
import { openChatBody } from './chat-crypto.ts';
import type { ChatMessageView } from './chat-types.ts';
import { x25519Key } from './member-devices.ts';

/** The receiving user and device. */
export interface ChatSelf {
  userId: string;
  identity: DeviceIdentity;
}

/** Finds the sending device's pinned keys; throws `not_found` or `key_changed` when it cannot. */
export type SenderDeviceLookup = (
  conversation: string,
  user: string,
  device: string,
) => Promise<ContactDevice>;

/**
 * The app's view of `m`. Never throws for a message that cannot be opened: `failure` carries the
 * code (`not_found` when it was never encrypted for this device), so history keeps its order.
 *
 * @example
 * const view = await messageView(frame.message, self, (c, u, d) => lookup(c, u, d), log);
 * if (view.failure === undefined) show(view.text);
 */
export async function messageView(
  m: ChatMessage,
  self: ChatSelf,
  senderDevice: SenderDeviceLookup,
  log: Logger,
): Promise<ChatMessageView> {
  const view: ChatMessageView = {
    conversation: m.conversation,
    seq: m.seq,
    messageId: m.messageId,
    sender: m.sender,
    kind: m.kind,
    sentAt: m.sentAt,
    outgoing: m.sender.user === self.userId,
    ...(m.system === undefined ? {} : { system: m.system }),
    ...(m.deletedAt === undefined ? {} : { deletedAt: m.deletedAt }),
  };
  if (m.kind === 'system' || m.deletedAt !== undefined) return view;
  // Not addressed to this device (sent before it existed, or before the sender saw it).
  if (m.envelope === undefined) return { ...view, failure: 'not_found' };
  try {
    const sender = await senderDevice(m.conversation, m.sender.user, m.sender.device);
    const body = await openChatBody({
      nonce: m.envelope.nonce,
      box: m.envelope.box,
      conversation: m.conversation,
      messageId: m.messageId,
      kind: m.kind,
      sender: { user: m.sender.user, device: m.sender.device, x25519: x25519Key(sender) },
      recipient: {
        user: self.userId,
        device: self.identity.deviceId,
        secrets: self.identity.secrets,
      },
    });
    return {
      ...view,
      ...(body.text === undefined ? {} : { text: body.text }),
      ...(body.file === undefined ? {} : { file: body.file }),
    };
  } catch (err) {
    const code = err instanceof HypersendError ? err.code : 'decrypt_failed';
    log.debug({ code, conversation: m.conversation, seq: m.seq }, 'message not opened');
    return { ...view, failure: code };
  }
}
