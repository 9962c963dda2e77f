// Chat bodies: one crypto_box (X25519 + XSalsa20-Poly1305) per recipient device, authenticated by
// the sender device's X25519 key. The plaintext repeats the outer routing fields so the server
// cannot move a ciphertext to another conversation, message id, kind or recipient unnoticed.
import type { Envelope } from '@hypersend/protocol';
import { z } from 'zod';
import { sodiumSync } from '../crypto/sodium.ts';
import { fromBase64Url, toBase64Url, utf8 } from '../encoding.ts';
import { HypersendError } from '../errors.ts';
import type { FileOfferSummary } from './chat-types.ts';

/** Version of the plaintext layout inside an envelope. */
export const CHAT_BODY_VERSION = 1;

/** What is encrypted for every recipient device. */
export interface ChatBody {
  conversation: string;
  messageId: string;
  kind: 'text' | 'file';
  text?: string;
  file?: { transferId: string; summary: FileOfferSummary };
}

const PlainBody = z
  .object({
    v: z.literal(CHAT_BODY_VERSION),
    c: z.string(),
    m: z.string(),
    k: z.enum(['text', 'file']),
    /** Sender and recipient, `user/device`: the box authenticates keys, this binds the names. */
    from: z.string(),
    to: z.string(),
    t: z.string().optional(),
    f: z
      .object({
        transferId: z.string(),
        summary: z.object({
          names: z.array(z.string().max(1024)).max(1000),
          size: z.number().nonnegative(),
          files: z.number().int().nonnegative(),
        }),
      })
      .optional(),
  })
  .strict();

/** A device that can receive: ids and its X25519 public key (raw bytes). */
export interface RecipientDevice {
  user: string;
  device: string;
  x25519: Uint8Array;
}

/**
 * Encrypt `body` once per recipient device.
 *
 * @example
 * const envelopes = sealChatBody(body, { user: me, device: myDevice, x25519Secret }, recipients);
 */
export function sealChatBody(
  body: ChatBody,
  sender: { user: string; device: string; x25519Secret: Uint8Array },
  recipients: readonly RecipientDevice[],
): Envelope[] {
  const na = sodiumSync();
  return recipients.map((r) => {
    const plain = JSON.stringify({
      v: CHAT_BODY_VERSION,
      c: body.conversation,
      m: body.messageId,
      k: body.kind,
      from: `${sender.user}/${sender.device}`,
      to: `${r.user}/${r.device}`,
      ...(body.text === undefined ? {} : { t: body.text }),
      ...(body.file === undefined ? {} : { f: body.file }),
    });
    const nonce = na.randombytes_buf(na.crypto_box_NONCEBYTES);
    const box = na.crypto_box_easy(utf8(plain), nonce, r.x25519, sender.x25519Secret);
    return { user: r.user, device: r.device, nonce: toBase64Url(nonce), box: toBase64Url(box) };
  });
}

/** What the recipient expects, from the outer (server-visible) fields and its own records. */
export interface OpenChatBodyParams {
  nonce: string;
  box: string;
  conversation: string;
  messageId: string;
  kind: 'text' | 'file';
  sender: { user: string; device: string; x25519: Uint8Array };
  recipient: { user: string; device: string; x25519Secret: Uint8Array };
}

/**
 * Decrypt and verify one envelope addressed to this device.
 *
 * @example
 * const body = openChatBody({ nonce, box, conversation, messageId, kind, sender, recipient });
 * @throws HypersendError `decrypt_failed` for a wrong key, tampering or mismatching context.
 */
export function openChatBody(p: OpenChatBodyParams): ChatBody {
  const na = sodiumSync();
  let plain: Uint8Array;
  try {
    plain = na.crypto_box_open_easy(
      fromBase64Url(p.box),
      fromBase64Url(p.nonce),
      p.sender.x25519,
      p.recipient.x25519Secret,
    );
  } catch (cause) {
    throw HypersendError.decryptFailed({ what: 'chat body' }, cause);
  }
  let parsed: z.infer<typeof PlainBody>;
  try {
    parsed = PlainBody.parse(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plain)));
  } catch (cause) {
    throw HypersendError.decryptFailed({ what: 'chat body layout' }, cause);
  }
  const context =
    parsed.c === p.conversation &&
    parsed.m === p.messageId &&
    parsed.k === p.kind &&
    parsed.from === `${p.sender.user}/${p.sender.device}` &&
    parsed.to === `${p.recipient.user}/${p.recipient.device}`;
  if (!context) throw HypersendError.decryptFailed({ what: 'chat body context' });
  return {
    conversation: parsed.c,
    messageId: parsed.m,
    kind: parsed.k,
    ...(parsed.t === undefined ? {} : { text: parsed.t }),
    ...(parsed.f === undefined ? {} : { file: parsed.f }),
  };
}
