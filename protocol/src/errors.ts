/**
 * Stable error codes shared by HTTP answers, WebSocket `error` frames and SDK errors.
 * Clients switch on these; the human-readable `message` may change at any time.
 */
export const ErrorCode = {
  badRequest: 'bad_request',
  badMessage: 'bad_message',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  notFound: 'not_found',
  /** The path exists but not under this HTTP method; the answer's `Allow` header lists those that do. */
  methodNotAllowed: 'method_not_allowed',
  conflict: 'conflict',
  rateLimited: 'rate_limited',
  payloadTooLarge: 'payload_too_large',
  /** A counted limit was reached (members per group, conversations per user, envelopes per message). */
  limitExceeded: 'limit_exceeded',
  /** Signal target is a contact but none of the addressed device's connections is online. */
  peerOffline: 'peer_offline',
  /** Signal target does not exist or may not be reached; deliberately indistinguishable. */
  notReachable: 'not_reachable',
  unsupportedVersion: 'unsupported_version',
  unavailable: 'unavailable',
  internal: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Body of every non-2xx HTTP answer. */
export interface HttpErrorBody {
  error: { code: ErrorCode; message: string };
}
