/**
 * Every metric the signaling server exports, in one place, so names and label sets cannot drift
 * between the HTTP layer, the WebSocket gateway and dashboards.
 *
 * @example
 * ctx.metrics.inc(MetricName.wsMessages, { type: 'signal' });
 */
export const MetricName = {
  /** labels: route (the pattern, not the raw path), method, status */
  httpRequests: 'hypersend_http_requests_total',
  /** labels: reason (missing_token, invalid_token, expired, bad_password, refresh_reused, ...) */
  authFailures: 'hypersend_auth_failures_total',
  /** labels: scope (account | ip) */
  loginRateLimited: 'hypersend_login_rate_limited_total',
  /** gauge, no labels */
  wsConnections: 'hypersend_ws_connections',
  /** labels: type (client message type) */
  wsMessages: 'hypersend_ws_messages_total',
  /** labels: code (error code sent to the client) */
  wsErrors: 'hypersend_ws_errors_total',
  /** labels: reason */
  wsAuthFailures: 'hypersend_ws_auth_failures_total',
  /** labels: reason (replaced, flood, bad_frames, expired, shutdown) */
  wsServerCloses: 'hypersend_ws_server_closes_total',
  /** no labels: signals handed to a connected device */
  wsSignalsRouted: 'hypersend_ws_signals_routed_total',
  /** no labels: frames not written because the receiver had too much backpressure */
  wsDropped: 'hypersend_ws_dropped_frames_total',
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];

/** Definitions handed to `createMetrics`. */
export const METRIC_DEFINITIONS: Record<MetricName, ['counter' | 'gauge', string]> = {
  [MetricName.httpRequests]: ['counter', 'HTTP requests by route pattern, method and status'],
  [MetricName.authFailures]: ['counter', 'Rejected HTTP credentials by reason'],
  [MetricName.loginRateLimited]: ['counter', 'Login attempts refused by the rate limiter, by scope'],
  [MetricName.wsConnections]: ['gauge', 'Open WebSocket connections'],
  [MetricName.wsMessages]: ['counter', 'WebSocket messages received, by type'],
  [MetricName.wsErrors]: ['counter', 'WebSocket error frames sent, by code'],
  [MetricName.wsAuthFailures]: ['counter', 'Rejected WebSocket upgrades by reason'],
  [MetricName.wsServerCloses]: ['counter', 'WebSocket connections closed by the server, by reason'],
  [MetricName.wsSignalsRouted]: ['counter', 'Signals delivered to a connected device'],
  [MetricName.wsDropped]: ['counter', 'WebSocket frames dropped for a slow receiver (backpressure)'],
};
