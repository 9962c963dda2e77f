// The `transfer` signal payloads (SignalKind 'transfer', sid = transferId): the end-to-end
// handshake the server routes without looking inside. Parsed here, at the trust boundary.
import { Id } from '@hypersend/protocol';
import { z } from 'zod';

/** Version of the transfer control payloads; a peer ignores versions it does not know. */
export const TRANSFER_CONTROL_VERSION = 1;

const Base = { v: z.literal(TRANSFER_CONTROL_VERSION) };

/**
 * One control message. `offer` carries the engine's OfferEnvelope (validated again by
 * `openOffer`); `accept` names the WebRTC session id both ends use for negotiation signals, so a
 * re-offer after a lost connection never mixes candidates of two sessions; `cancel` says whether
 * the cancelling side kept its state for a later resume (`resumable`, e.g. Ctrl-C in the CLI).
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

/** Distributes `Omit` over the union (plain `Omit` would collapse it). */
type WithoutVersion<T> = T extends unknown ? Omit<T, 'v'> : never;

/**
 * A control payload with its version filled in, ready for `sendSignal(…, 'transfer', sid, data)`.
 *
 * @example
 * await signaling.sendSignal(to, 'transfer', transferId, control({ t: 'decline' }));
 */
export function control(msg: WithoutVersion<TransferControl>): Record<string, unknown> {
  return { v: TRANSFER_CONTROL_VERSION, ...msg };
}
