// Chat bodies: one crypto_box (X25519 + XSalsa20-Poly1305) per recipient device, authenticated by
// the sender device's X25519 key. The plaintext repeats the outer routing fields so the server
// cannot move a ciphertext to another conversation, message id, kind or recipient unnoticed.
import type { Envelope } from '@hypersend/protocol';
import { z } from 'zod';
import type { DeviceSecrets } from '../crypto/device-secrets.ts';
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
 * Encrypt `body` once per recipient device: `crypto_box_easy` with the box key the sender's
 * {@link DeviceSecrets} share with each recipient (identical bytes to `crypto_box_easy`).
 *
 * @example
 * const envelopes = await sealChatBody(body, { user: me, device: myDevice, secrets: identity.secrets }, recipients);
 */
export async function sealChatBody(
  body: ChatBody,
  sender: { user: string; device: string; secrets: DeviceSecrets },
  recipients: readonly RecipientDevice[],
): Promise<Envelope[]> {
  const na = sodiumSync();
  const envelopes: Envelope[] = [];
  for (const r of recipients) {
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
    const key = await sender.secrets.boxKey(r.x25519);
    let box: Uint8Array;
    try {
      box = na.crypto_box_easy_afternm(utf8(plain), nonce, key);
    } finally {
      key.fill(0);
    }
    envelopes.push({ user: r.user, device: r.device, nonce: toBase64Url(nonce), box: toBase64Url(box) });
  }
  return envelopes;
}

/** What the recipient expects, from the outer (server-visible) fields and its own records. */
export interface OpenChatBodyParams {
  nonce: string;
  box: string;
  conversation: string;
  messageId: string;
  kind: 'text' | 'file';
  sender: { user: string; device: string; x25519: Uint8Array };
  recipient: { user: string; device: string; secrets: DeviceSecrets };
}

/**
 * Decrypt and verify one envelope addressed to this device.
 *
 * @example
 * const body = await openChatBody({ nonce, box, conversation, messageId, kind, sender, recipient });
 * @throws HypersendError `decrypt_failed` for a wrong key, tampering or mismatching context.
 */
export async function openChatBody(p: OpenChatBodyParams): Promise<ChatBody> {
  const na = sodiumSync();
  let plain: Uint8Array;
  let key: Uint8Array | undefined;
  try {
    key = await p.recipient.secrets.boxKey(p.sender.x25519);
    plain = na.crypto_box_open_easy_afternm(fromBase64Url(p.box), fromBase64Url(p.nonce), key);
  } catch (cause) {
    throw HypersendError.decryptFailed({ what: 'chat body' }, cause);
  } finally {
    key?.fill(0);
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
