/**
 * The Hypersend relay: a tus 1.0 server for end-to-end encrypted objects that the recipient
 * downloads with ranges and acknowledges. See relay/README.md.
 *
 * @example
 * import { createRelayServer, loadRelayConfig } from '@hypersend/relay';
 * const relay = await createRelayServer({ config: loadRelayConfig(process.env) });
 */
export { createTokenVerifier, KeysUnavailableError, type TokenVerifier } from './auth.ts';
export type { ByteStore } from './byte-store.ts';
export { ConfigError, ENV, loadRelayConfig, type RelayConfig, type RelayEnvName } from './config.ts';
export { type Clock, systemClock } from './context.ts';
export { createFileBytes, DurableFileStore } from './file-bytes.ts';
export type { RelayErrorCode } from './http-util.ts';
export { UploadMetadata } from './metadata.ts';
export { createMongoRelayStore } from './mongo-relay-store.ts';
export { parseRange, type RangeResult } from './range.ts';
export type {
  ObjectState,
  QuotaLimits,
  RelayObjectRecord,
  RelayObjectStore,
  ReserveResult,
  Usage,
} from './relay-store.ts';
export { createS3Bytes } from './s3-bytes.ts';
export { createRelayServer, type RelayServer } from './server.ts';
export { createSqliteRelayStore } from './sqlite-relay-store.ts';
export { UPLOADS_PATH } from './upload-routes.ts';
