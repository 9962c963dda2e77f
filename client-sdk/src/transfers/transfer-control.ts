// The `transfer` signal payloads (SignalKind 'transfer', sid = transferId): the end-to-end
// handshake the server routes without looking inside.
import { TRANSFER_CONTROL_VERSION, type TransferControl } from '@hypersend/protocol';

// The schema lives in @hypersend/protocol (protocol/src/transfer.ts, PROTOCOL.md "Transfer
// control") next to the other wire messages; re-exported so SDK users keep one import.
export { TRANSFER_CONTROL_VERSION, TransferControl } from '@hypersend/protocol';

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
