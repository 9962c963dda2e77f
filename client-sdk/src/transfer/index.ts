/**
 * `@hypersend/client/transfer`: data-channel framing, chunk-size negotiation and chunk ordering
 * (browser-safe), and the transfer engine — `TransferSender`, `IncomingOffer`/`TransferReceiver`
 * and the `FrameChannel` seam — which reads and writes local files and is Node-only for now
 * (a browser build needs Blob/OPFS sources and sinks behind the same interfaces).
 *
 * @example
 * import { decodeFrame, sealChunkFrame, TransferSender } from '@hypersend/client/transfer';
 */
export * from './chunk-codec.ts';
export * from './chunk-sequencer.ts';
export * from './chunk-size.ts';
export type * from './frame-channel.ts';
export * from './framing.ts';
export * from './incoming-offer.ts';
export * from './memory-channel.ts';
export * from './offer.ts';
export * from './peer-channel.ts';
export * from './receiver.ts';
export * from './sender.ts';
export * from './sender-state.ts';
export type { Side, TransferEvents, TransferProgress, TransferResult } from './transfer-events.ts';
