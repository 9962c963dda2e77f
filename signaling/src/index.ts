/**
 * `@hypersend/signaling`: the signaling server as a library.
 *
 * @example
 * import { createSignalingServer, loadConfig } from '@hypersend/signaling';
 * const server = await createSignalingServer({ config: loadConfig(process.env) });
 * console.log(server.url);
 * await server.close();
 */
export { externalUserId, sanitizeUsername } from './auth/external-tokens.ts';
export { hashToken } from './auth/refresh-tokens.ts';
export { WS_TICKET_TTL_SECONDS } from './auth/ws-tickets.ts';
export { ConfigError, ENV, type EnvName, loadConfig, type SignalingConfig } from './config.ts';
export type {
  AccessClaims,
  AccessTokenVerifier,
  Clock,
  Relationships,
  ServerContext,
} from './context.ts';
export { systemClock } from './context.ts';
export { HttpError } from './http/errors.ts';
export { MAX_JSON_BODY_BYTES } from './http/json-body.ts';
export { createLogger, REDACT_PATHS } from './logger.ts';
export { METRIC_DEFINITIONS, MetricName } from './metric-names.ts';
export { createMetrics, type Metrics } from './metrics.ts';
export { detectUwsBinding, type UwsBinding } from './native-check.ts';
export { createSignalingServer, type SignalingServer } from './server.ts';
export { MAX_DEVICES_PER_USER } from './services/devices.ts';
export { ContactRelationships } from './services/relationships.ts';
export type { Store } from './store/store.ts';
