import {
  type ClientMessage,
  CloseCode,
  decodeClientMessage,
  ErrorCode,
  MAX_WS_PAYLOAD_BYTES,
} from '@hypersend/protocol';
import type { ChatFrameHandler } from '../chat/chat-frame-handler.ts';
import type { ServerContext } from '../context.ts';
import { assertNever } from './assert-never.ts';
import { type Connection, MAX_BACKLOG } from './connection.ts';
import { pongFrame } from './frames.ts';
import type { Presence } from './presence.ts';
import type { Sender } from './sender.ts';
import type { ReceivedFrame } from './signal-forward.ts';
import type { SignalRouter } from './signal-router.ts';
import type { WsCounters } from './ws-metrics.ts';

/** Text frames were already checked as UTF-8 by uWS, so a lenient shared decoder is enough. */
const utf8 = new TextDecoder();

/** What the message handler needs from the gateway. */
export interface MessageDeps {
  ctx: ServerContext;
  sender: Sender;
  router: SignalRouter;
  presence: Presence;
  counters: WsCounters;
  /** `chat.*` frames; without it they are answered `not_found` (chat disabled). */
  chat?: ChatFrameHandler;
  /** Close a connection with a WebSocket close code, counting `reason`. */
  close(conn: Connection, code: number, message: string, reason: string): void;
}

/**
 * Handles client frames in order: rate limit, decode and validate (`decodeClientMessage`),
 * dispatch. A frame that needs an asynchronous lookup makes later frames of the same
 * connection wait in a bounded backlog, so a signal never overtakes the offer before it;
 * with warm caches nothing waits and the whole path runs synchronously.
 *
 * @example
 * const onMessage = createMessageHandler(deps);
 * app.ws('/v1/ws', { message: (ws, data, isBinary) => onMessage(ws.getUserData().conn, data, isBinary) });
 */
export function createMessageHandler(deps: MessageDeps) {
  const { ctx, sender, router, presence, counters } = deps;
  const log = ctx.log.child({ component: 'ws' });

  /**
   * The text frame being handled, reused for every frame (no allocation): a signal's payload is
   * forwarded from it (`signal-forward.ts`). Valid only during the synchronous handling.
   */
  const received: ReceivedFrame = { text: '' };

  /** `frame`: the frame as received, while uWS still holds it (not for frames replayed from the backlog). */
  const dispatch = (
    conn: Connection,
    msg: ClientMessage,
    frame?: ReceivedFrame,
  ): Promise<void> | undefined => {
    switch (msg.type) {
      case 'signal':
        return router.route(conn, msg, frame);
      case 'ping':
        sender.send(conn, pongFrame(msg.id));
        return undefined;
      case 'presence.query':
        return presence.query(conn, msg.users, msg.id);
      case 'chat.send':
      case 'chat.receipt':
      case 'chat.typing':
      case 'chat.sync':
      case 'chat.delete':
        if (deps.chat !== undefined) return deps.chat.handle(conn, msg);
        sender.error(conn, ErrorCode.notFound, 'chat is not enabled on this server', msg.id);
        return undefined;
      default:
        return assertNever(msg);
    }
  };

  const failed = (conn: Connection, msg: ClientMessage, err: unknown): void => {
    log.error({ err, user: conn.userId, type: msg.type }, 'ws message failed');
    sender.error(conn, ErrorCode.internal, 'internal error', msg.id);
  };

  const drain = async (conn: Connection): Promise<void> => {
    while (!conn.closed) {
      const next = conn.backlog.shift();
      if (next === undefined) break;
      try {
        await dispatch(conn, next);
      } catch (err) {
        failed(conn, next, err);
      }
    }
    conn.backlog.length = 0;
    conn.busy = false;
  };

  const run = (conn: Connection, msg: ClientMessage, frame: ReceivedFrame | undefined): void => {
    if (conn.busy) {
      if (conn.backlog.length < MAX_BACKLOG) conn.backlog.push(msg);
      else sender.error(conn, ErrorCode.rateLimited, 'too many requests in flight', msg.id);
      return;
    }
    let pending: Promise<void> | undefined;
    try {
      pending = dispatch(conn, msg, frame);
    } catch (err) {
      failed(conn, msg, err);
      return;
    }
    if (pending === undefined) return;
    conn.busy = true;
    pending.then(
      () => drain(conn),
      (err: unknown) => {
        failed(conn, msg, err);
        return drain(conn);
      },
    );
  };

  return (conn: Connection, data: ArrayBuffer, isBinary: boolean): void => {
    if (data.byteLength > MAX_WS_PAYLOAD_BYTES) {
      // uWS's own limit (maxPayloadLength, set higher) drops the TCP connection without a close
      // frame, which clients see as 1006. Up to that hard limit we close cleanly with 1009.
      deps.close(conn, CloseCode.tooLarge, 'frame larger than 64 KiB', 'too_large');
      return;
    }
    const text = isBinary ? null : utf8.decode(data);
    const decoded = decodeClientMessage(text ?? data);
    const now = ctx.clock.now();
    if (!conn.bucket.take(now)) {
      counters.message('rate_limited');
      if (conn.floods.strike(now))
        deps.close(conn, CloseCode.policyViolation, 'message rate exceeded', 'flood');
      else {
        const ref = decoded.ok ? decoded.value.id : decoded.ref;
        sender.error(conn, ErrorCode.rateLimited, 'message rate exceeded; slow down', ref);
      }
      return;
    }
    if (!decoded.ok) {
      counters.message('invalid');
      if (conn.badFrames.strike(now))
        deps.close(conn, CloseCode.policyViolation, 'too many malformed frames', 'bad_frames');
      else sender.error(conn, ErrorCode.badMessage, decoded.message, decoded.ref);
      return;
    }
    counters.message(decoded.value.type);
    if (text === null) {
      run(conn, decoded.value, undefined);
      return;
    }
    received.text = text;
    try {
      run(conn, decoded.value, received);
    } finally {
      // The frame is not held on to past this call.
      received.text = '';
    }
  };
}
