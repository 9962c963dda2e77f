// The slice of the WebSocket API the signaling client uses: the browser's global WebSocket and
// the `ws` package's class both satisfy it, so neither is imported by the core.

/** A message event: text frames carry a string. */
export interface MessageEventLike {
  readonly data: unknown;
}

/** A close event. */
export interface CloseEventLike {
  readonly code: number;
  readonly reason: string;
}

/** An error event; `ws` puts the failure (e.g. `Unexpected server response: 401`) in `message`. */
export interface ErrorEventLike {
  readonly message?: string;
}

/**
 * The WebSocket instance interface the SDK needs.
 *
 * @example
 * const ws: WebSocketLike = new WebSocket(url, ['hypersend.v1', `ticket.${ticket}`]);
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: MessageEventLike) => void): void;
  addEventListener(type: 'close', listener: (event: CloseEventLike) => void): void;
  addEventListener(type: 'error', listener: (event: ErrorEventLike) => void): void;
}

/**
 * A WebSocket constructor: `ws` in Node (`import WebSocket from 'ws'`), `globalThis.WebSocket`
 * in browsers. Injected so the core never imports either.
 *
 * @example
 * new SignalingClient({ WebSocket: globalThis.WebSocket, ... });
 */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** `WebSocket.OPEN`, spelled out because injected constructors need not carry the constants. */
export const WS_OPEN = 1;
