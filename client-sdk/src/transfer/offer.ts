// The offer handshake as data: the sender produces an OfferEnvelope (sent through signaling by the
// SDK's connection layer), the recipient opens it before anything is written. FORMAT.md §3-4.
import { Id } from '@hypersend/protocol';
import { z } from 'zod';
import type { Aead } from '../crypto/aead.ts';
import { type DeviceKeys, type DeviceSecrets, secretsOf } from '../crypto/device-secrets.ts';
import type { DeviceRef } from '../crypto/key-seal.ts';
import { manifestDigest, openTransferKey, sealTransferKey } from '../crypto/key-seal.ts';
import { decryptManifest, encryptManifest, MANIFEST_PAD_BYTES, type Manifest } from '../crypto/manifest.ts';
import { createStream, openManifestBytes, type StreamContext, sealManifestBytes } from '../crypto/stream.ts';
import { fromBase64Url, randomBytes, toBase64Url, toHex } from '../encoding.ts';
import { HypersendError } from '../errors.ts';
import { isValidChunkSize } from './chunk-size.ts';

/** Offer format version (the envelope; the manifest and key seal carry their own). */
export const OFFER_VERSION = 1;

const B64 = z
  .string()
  .regex(/^[A-Za-z0-9_-]*$/u)
  .max(6 * 1024 * 1024);
const Ref = z.object({ userId: Id, deviceId: Id }).strict();

/**
 * What the sender hands to signaling, and the recipient opens. Only ids are in the clear; names,
 * sizes and the key are inside `encryptedManifest` / `sealedKey`.
 *
 * @example
 * const env = OfferEnvelope.parse(JSON.parse(text)); // at the trust boundary
 */
export const OfferEnvelope = z
  .object({
    version: z.literal(OFFER_VERSION),
    transferId: Id,
    /** `files`: a manifest (resumable); `stream`: unknown length, no resume. */
    kind: z.enum(['files', 'stream']),
    sender: Ref,
    recipient: Ref,
    /** base64url of the 145-byte sealed transfer key for `recipient`'s device. */
    sealedKey: B64,
    /** base64url of the manifest (or stream descriptor) sealed in the manifest nonce domain. */
    encryptedManifest: B64,
  })
  .strict();
/** See {@link OfferEnvelope}. */
export type OfferEnvelope = z.infer<typeof OfferEnvelope>;

/**
 * The recipient's answer, returned to the sender through signaling.
 *
 * @example
 * sender.handleAnswer({ transferId, decision: 'decline' });
 */
export interface OfferAnswer {
  transferId: string;
  decision: 'accept' | 'decline';
}

/**
 * What a stream offer describes instead of a manifest: size and digest are unknown until the end,
 * and the STREAM final flag (authenticated in every nonce) is what proves completeness.
 */
export const StreamDescriptor = z
  .object({
    version: z.literal(1),
    kind: z.literal('stream'),
    transferId: Id,
    chunkSize: z.number().refine(isValidChunkSize),
    name: z.string().min(1).max(4096),
    mtime: z.number().int(),
  })
  .strict();
/** See {@link StreamDescriptor}. */
export type StreamDescriptor = z.infer<typeof StreamDescriptor>;

/** Decrypted content of an offer. */
export type OfferContent =
  | { kind: 'files'; manifest: Manifest }
  | { kind: 'stream'; stream: StreamDescriptor };

/** A fresh transfer id: `t_` + 128 random bits, base64url. */
export function newTransferId(): string {
  return `t_${toBase64Url(randomBytes(16))}`;
}

/** The sending device: ids plus its identity keys. */
export interface SenderIdentity extends DeviceRef {
  readonly keys: DeviceKeys;
}

/** The receiving device as the sender knows it. */
export interface RecipientRef extends DeviceRef {
  readonly x25519PublicKey: Uint8Array;
}

/**
 * Seal content with `key` and build the envelope for one recipient device.
 *
 * @example
 * const env = await sealOffer(ctx, key, { kind: 'files', manifest }, me, bob);
 */
export async function sealOffer(
  ctx: StreamContext,
  key: Uint8Array,
  content: OfferContent,
  sender: SenderIdentity,
  recipient: RecipientRef,
): Promise<OfferEnvelope> {
  const encrypted =
    content.kind === 'files' ? encryptManifest(ctx, content.manifest) : sealStream(ctx, content.stream);
  const sealed = await sealTransferKey({
    transferKey: key,
    transferId: ctx.transferId,
    manifestDigest: manifestDigest(encrypted),
    sender: { userId: sender.userId, deviceId: sender.deviceId, secrets: secretsOf(sender.keys) },
    recipient,
  });
  return {
    version: OFFER_VERSION,
    transferId: ctx.transferId,
    kind: content.kind,
    sender: { userId: sender.userId, deviceId: sender.deviceId },
    recipient: { userId: recipient.userId, deviceId: recipient.deviceId },
    sealedKey: toBase64Url(sealed),
    encryptedManifest: toBase64Url(encrypted),
  };
}

function sealStream(ctx: StreamContext, d: StreamDescriptor): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(d));
  const padded = new Uint8Array(Math.ceil(json.length / MANIFEST_PAD_BYTES) * MANIFEST_PAD_BYTES).fill(0x20);
  padded.set(json);
  return sealManifestBytes(ctx, padded);
}

/** Everything {@link openOffer} needs from the recipient's side. */
export interface OpenOfferParams {
  /** This device. */
  readonly me: DeviceRef & { readonly secrets: DeviceSecrets };
  /** The sender as recorded by this device (safety-number verified Ed25519 key). */
  readonly sender: DeviceRef & { readonly ed25519PublicKey: Uint8Array };
  readonly aead: Aead;
}

/** A verified, decrypted offer. */
export interface OpenedOffer {
  envelope: OfferEnvelope;
  ctx: StreamContext;
  content: OfferContent;
  /** Hex BLAKE2b-256 of the encrypted manifest: binds the receiver's progress record to this offer. */
  digestHex: string;
}

/**
 * Validate the envelope, open the sealed key (checking the sender's signature over this transfer,
 * both devices and the manifest) and decrypt the manifest. Nothing touches the disk.
 *
 * @example
 * const opened = await openOffer(json, { me, sender: known, aead: backend.aead });
 * @throws HypersendError `bad_manifest` (malformed envelope or content), `seal_invalid`, `decrypt_failed`.
 */
export async function openOffer(raw: unknown, p: OpenOfferParams): Promise<OpenedOffer> {
  const parsed = OfferEnvelope.safeParse(raw);
  if (!parsed.success) throw HypersendError.badManifest('malformed offer envelope', parsed.error);
  const env = parsed.data;
  if (env.sender.userId !== p.sender.userId || env.sender.deviceId !== p.sender.deviceId)
    throw HypersendError.sealInvalid('offer names another sender device');
  if (env.recipient.userId !== p.me.userId || env.recipient.deviceId !== p.me.deviceId)
    throw HypersendError.sealInvalid('offer is for another device');
  const encrypted = fromBase64Url(env.encryptedManifest);
  const digest = manifestDigest(encrypted);
  const key = await openTransferKey({
    sealed: fromBase64Url(env.sealedKey),
    transferId: env.transferId,
    manifestDigest: digest,
    sender: p.sender,
    recipient: p.me,
  });
  const ctx = createStream(p.aead, key, env.transferId);
  key.fill(0);
  let content: OfferContent;
  if (env.kind === 'files') {
    content = { kind: 'files', manifest: decryptManifest(ctx, encrypted) };
  } else {
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(openManifestBytes(ctx, encrypted)));
    } catch (cause) {
      if (HypersendError.is(cause)) throw cause;
      throw HypersendError.badManifest('stream descriptor is not JSON', cause);
    }
    const d = StreamDescriptor.safeParse(json);
    if (!d.success || d.data.transferId !== env.transferId)
      throw HypersendError.badManifest('bad stream descriptor', d.error);
    content = { kind: 'stream', stream: d.data };
  }
  return { envelope: env, ctx, content, digestHex: toHex(digest) };
}
