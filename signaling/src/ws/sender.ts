import type { ErrorCode } from '@hypersend/protocol';
import type { Connection } from './connection.ts';
import { errorFrame } from './frames.ts';
import type { WsCounters } from './ws-metrics.ts';

/** uWS `send` result: the frame was not written because the socket's backpressure is over the limit. */
const DROPPED = 2;

/**
 * Writes frames to connections. A socket over `maxBackpressure` gets nothing more (uWS drops
 * the frame, and with `closeOnBackpressureLimit` closes the slow consumer) instead of the
 * server buffering for it without bound.
 *
 * @example
 * sender.send(conn, pongFrame(msg.id));
 * sender.error(conn, 'not_reachable', 'recipient is not reachable', msg.id);
 */
export class Sender {
  constructor(private readonly counters: WsCounters) {}

  /** True when the frame was written or queued; false when dropped or the socket is gone. */
  send(conn: Connection, frame: string): boolean {
    const ws = conn.ws;
    if (ws === null || conn.closed || !conn.ready) return false;
    if (ws.send(frame, false) === DROPPED) {
      this.counters.droppedFrame();
      return false;
    }
    return true;
  }

  /** Send a typed `error` frame echoing the request id as `ref`. */
  error(conn: Connection, code: ErrorCode, message: string, ref: string | undefined): void {
    this.counters.error(code);
    this.send(conn, errorFrame(code, message, ref));
  }
}
