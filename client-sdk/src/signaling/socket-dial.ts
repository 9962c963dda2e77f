// Opens one signaling WebSocket: the device in the URL, the credential in `Sec-WebSocket-Protocol`,
// and the status of a refused upgrade, which `ws` reports only in the text of its error event.
import { WS_BEARER_PREFIX, WS_SUBPROTOCOL, WS_TICKET_PREFIX } from '@hypersend/protocol';
import type { WsCredential } from './signaling-types.ts';
import type { WebSocketConstructor, WebSocketLike } from './websocket-like.ts';

/** What happens on the socket, for the connection that dialled it. */
export interface DialHandlers {
  message(data: unknown): void;
  /** The socket closed; `refusedStatus` is the HTTP status of a refused upgrade when known. */
  close(code: number, reason: string, refusedStatus: number | undefined): void;
}

/**
 * Dial `/v1/ws` for `deviceId` offering `hypersend.v1` and the credential (`bearer.<jwt>` or
 * `ticket.<t>`). Throws whatever the WebSocket constructor throws (a malformed URL, say).
 *
 * @example
 * const ws = dialSignaling(WebSocket, `${base}/v1/ws`, deviceId, { kind: 'bearer', value: jwt }, {
 *   message: (data) => onFrame(data),
 *   close: (code, reason, refused) => onClose(code, reason, refused),
 * });
 */
export function dialSignaling(
  WebSocket: WebSocketConstructor,
  url: string,
  deviceId: string,
  credential: WsCredential,
  handlers: DialHandlers,
): WebSocketLike {
  const prefix = credential.kind === 'bearer' ? WS_BEARER_PREFIX : WS_TICKET_PREFIX;
  const ws = new WebSocket(`${url}?device=${encodeURIComponent(deviceId)}`, [
    WS_SUBPROTOCOL,
    `${prefix}${credential.value}`,
  ]);
  let refusedStatus: number | undefined;
  ws.addEventListener('message', (event) => handlers.message(event.data));
  ws.addEventListener('error', (event) => {
    // `ws` reports a refused upgrade as "Unexpected server response: 401"; browsers say nothing.
    const match = /Unexpected server response: (\d{3})/.exec(event.message ?? '');
    if (match) refusedStatus = Number(match[1]);
  });
  ws.addEventListener('close', (event) => handlers.close(event.code, event.reason, refusedStatus));
  return ws;
}
