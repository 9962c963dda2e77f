import type { TemplatedApp } from 'uWebSockets.js';
import type { ServerContext } from '../context.ts';

/** The `/v1/ws` endpoint as the rest of the server sees it. */
export interface WebSocketGateway {
  /** Open WebSocket connections right now. */
  connectionCount(): number;
  /**
   * Graceful shutdown: tell every client to reconnect (a `reconnect` frame, then close 1001),
   * wait until they are gone or `timeoutMs` passes.
   */
  shutdown(timeoutMs: number): Promise<void>;
}

/** Register `/v1/ws` on the app. STUB: being implemented (ws/ owner). */
export function registerWebSocket(_app: TemplatedApp, _ctx: ServerContext): WebSocketGateway {
  return { connectionCount: () => 0, shutdown: async () => {} };
}
