/**
 * `@hypersend/protocol`: the one source of truth for Hypersend's wire messages.
 * Schemas validate at runtime; TypeScript types are inferred from them.
 */
export * from './chat.ts';
export * from './errors.ts';
export * from './http.ts';
export * from './ids.ts';
export * from './relay-notice.ts';
export * from './signaling.ts';
export { acceptedByFastPath } from './signaling-fast.ts';
export * from './transfer.ts';
