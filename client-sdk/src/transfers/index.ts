/**
 * Transfers for apps: `client.send(user, paths)` and `client.on('offer', …)` (Node entry point).
 *
 * @example
 * import { createClient } from '@hypersend/client';
 * const t = client.send('bob', ['./photos']);
 * t.on('progress', (p) => console.log(p.bytes, p.total, p.path));
 * await t.result;
 */
export { fromEngineError } from './engine-errors.ts';
export { iceServersFor } from './ice-servers.ts';
export {
  IncomingTransfer,
  type IncomingTransferEvents,
  type OfferSender,
  type ReceiveOptions,
} from './incoming.ts';
export type { SendOptions, SendSource } from './outgoing.ts';
export { type SignalBus, sessionSignals } from './session-signals.ts';
export { control, TRANSFER_CONTROL_VERSION, TransferControl } from './transfer-control.ts';
export {
  cancelled,
  type ProgressEvent,
  Transfer,
  type TransferController,
  type TransferHandleEvents,
  type TransferRole,
} from './transfer-handle.ts';
export {
  type NodeTransfersOptions,
  nodeTransfers,
  type TransferService,
  type TransferServiceFactory,
} from './transfer-service.ts';
