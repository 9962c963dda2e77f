/**
 * `@hypersend/client/transfer`: data-channel framing, chunk-size negotiation and chunk ordering.
 * Browser-safe.
 *
 * @example
 * import { decodeFrame, sealChunkFrame } from '@hypersend/client/transfer';
 */
export * from './chunk-codec.ts';
export * from './chunk-sequencer.ts';
export * from './chunk-size.ts';
export * from './framing.ts';
