// The end-to-end transfer handshake carried in `signal` frames of kind `transfer` (sid = the
// transfer id). The server routes these without looking inside; clients parse them here, at the
// trust boundary. Documented in PROTOCOL.md ("Transfer control").
import { z } from 'zod';
import { Id } from './ids.ts';

/** Version of the transfer control payloads; a peer ignores versions it does not know. */
export const TRANSFER_CONTROL_VERSION = 1;

const Base = { v: z.literal(TRANSFER_CONTROL_VERSION) };

/**
 * An offer whose JSON is longer than this many characters travels as `offer-part` messages: a
 * signaling frame carries at most 64 KiB (`MAX_WS_PAYLOAD_BYTES`), and a manifest of a few hundred
 * files is already more.
 */
export const OFFER_PART_CHARS = 48 * 1024;
/** Most parts of one offer: 6 MiB of JSON, room for the SDK's 4 MiB manifest limit in base64. */
export const MAX_OFFER_PARTS = 128;

/**
 * Largest `maxChunkSize` a `caps` answer may carry: HELLO's field is a u32 (client-sdk/FORMAT.md
 * §6). Senders clamp it to what they support (1 MiB today), so a future client that advertises
 * more is still understood instead of being dropped as malformed.
 */
export const MAX_ADVERTISED_CHUNK_SIZE = 0xffff_ffff;

/**
 * One control message. `offer` carries the SDK's OfferEnvelope (ids, the transfer key sealed to
 * the recipient device, the encrypted manifest; validated again by the SDK's `openOffer`);
 * `offer-part` carries slice `index` of `count` of an offer's envelope JSON when it is too long
 * for one signaling frame (the receiver joins them in index order and parses the whole);
 * `accept` names the WebRTC session id both ends use for negotiation signals, so a re-offer after
 * a lost connection never mixes candidates of two sessions; `decline` refuses; `cancel` says
 * whether the cancelling side kept its state for a later resume (`resumable`, e.g. Ctrl-C).
 * `caps-query` asks a device, before an offer is built, for the largest chunk its data channels
 * carry; it answers `caps` with `maxChunkSize` under the same sid (a fresh query id, not a
 * transfer id) — the manifest fixes the chunk size before any data channel exists.
 *
 * @example
 * const r = TransferControl.safeParse(signal.data);
 * if (r.success && r.data.t === 'accept') startSession(r.data.session);
 */
export const TransferControl = z.discriminatedUnion('t', [
  z.object({ ...Base, t: z.literal('offer'), envelope: z.record(z.string(), z.unknown()) }).strict(),
  z
    .object({
      ...Base,
      t: z.literal('offer-part'),
      index: z
        .number()
        .int()
        .min(0)
        .max(MAX_OFFER_PARTS - 1),
      count: z.number().int().min(2).max(MAX_OFFER_PARTS),
      text: z.string().min(1).max(OFFER_PART_CHARS),
    })
    .strict()
    .refine((m) => m.index < m.count, 'index must be below count'),
  z.object({ ...Base, t: z.literal('accept'), session: Id }).strict(),
  z.object({ ...Base, t: z.literal('decline'), reason: z.string().max(64).optional() }).strict(),
  z.object({ ...Base, t: z.literal('caps-query') }).strict(),
  z
    .object({
      ...Base,
      t: z.literal('caps'),
      maxChunkSize: z.number().int().min(1).max(MAX_ADVERTISED_CHUNK_SIZE),
    })
    .strict(),
  z
    .object({
      ...Base,
      t: z.literal('cancel'),
      reason: z.string().max(64),
      resumable: z.boolean(),
    })
    .strict(),
]);
/** See {@link TransferControl}. */
export type TransferControl = z.infer<typeof TransferControl>;
