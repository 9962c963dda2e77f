// What a lost or refused signaling connection leads to: stay closed (replaced, refused for good)
// or try again — when, and with a fresh credential or the cached one.
import { CloseCode } from '@hypersend/protocol';
import { serverError } from '../api/http-error.ts';
import type { HypersendError } from '../errors.ts';

// Upgrade refusals that retrying cannot fix: bad request, forbidden origin or unregistered device.
const FATAL_UPGRADE_STATUS = new Set([400, 403]);

/** How one connection ended, as the client saw it. */
export interface ClosedConnection {
  code: number;
  /** The HTTP status of a refused upgrade (`ws` reports it; browsers do not). */
  refusedStatus: number | undefined;
  /** Whether the server had said `hello` on it. */
  wasOpen: boolean;
  /** The server's `reconnect{afterMs}` on this connection, if it sent one. */
  reconnectAfterMs: number | undefined;
}

/** The decision: `replaced` and `refused` end reconnecting; `retry` schedules the next attempt. */
export type AfterClose =
  | { kind: 'replaced' }
  | { kind: 'refused'; error: HypersendError }
  | {
      kind: 'retry';
      /** `undefined`: the next backoff step. */
      delayMs: number | undefined;
      /** The credential was refused (401) or expired (4002): do not offer the cached one again. */
      freshCredential: boolean;
    };

/**
 * Decide what follows a closed connection. The server's `reconnect{afterMs}` wins; an expired
 * token on an open connection reconnects at once with a fresh one (the session is fine, only the
 * token aged); anything else backs off.
 *
 * @example
 * afterClose({ code: 4002, refusedStatus: undefined, wasOpen: true, reconnectAfterMs: undefined });
 * // → { kind: 'retry', delayMs: 0, freshCredential: true }
 */
export function afterClose(c: ClosedConnection): AfterClose {
  if (c.code === CloseCode.replaced) return { kind: 'replaced' };
  if (c.refusedStatus !== undefined && FATAL_UPGRADE_STATUS.has(c.refusedStatus)) {
    const code = c.refusedStatus === 403 ? 'forbidden' : 'bad_request';
    return { kind: 'refused', error: serverError(c.refusedStatus, code, 'connection refused') };
  }
  const freshCredential = c.refusedStatus === 401 || c.code === CloseCode.tokenExpired;
  let delayMs: number | undefined;
  if (c.reconnectAfterMs !== undefined) delayMs = c.reconnectAfterMs;
  else if (c.code === CloseCode.tokenExpired && c.wasOpen) delayMs = 0;
  return { kind: 'retry', delayMs, freshCredential };
}
