// The end-to-end transfer handshake carried in `signal` frames of kind `transfer` (sid = the
// transfer id). The server routes these without looking inside; clients parse them here, at the
// trust boundary. Documented in PROTOCOL.md ("Transfer control").
import { z } from 'zod';
import { Id } from './ids.ts';

/** Version of the transfer control payloads; a peer ignores versions it does not know. */
export const TRANSFER_CONTROL_VERSION = 1;

const Base = { v: z.literal(TRANSFER_CONTROL_VERSION) };

/**
 * One control message. `offer` carries the SDK's OfferEnvelope (ids, the transfer key sealed to
 * the recipient device, the encrypted manifest; validated again by the SDK's `openOffer`);
 * `accept` names the WebRTC session id both ends use for negotiation signals, so a re-offer after
 * a lost connection never mixes candidates of two sessions; `decline` refuses; `cancel` says
 * whether the cancelling side kept its state for a later resume (`resumable`, e.g. Ctrl-C).
 *
 * @example
 * const r = TransferControl.safeParse(signal.data);
 * if (r.success && r.data.t === 'accept') startSession(r.data.session);
 */
export const TransferControl = z.discriminatedUnion('t', [
  z.object({ ...Base, t: z.literal('offer'), envelope: z.record(z.string(), z.unknown()) }).strict(),
  z.object({ ...Base, t: z.literal('accept'), session: Id }).strict(),
  z.object({ ...Base, t: z.literal('decline'), reason: z.string().max(64).optional() }).strict(),
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
