import type { ErrorCode } from '@hypersend/protocol';
import type { Frame } from './bus.ts';
import type { Connection } from './connection.ts';
import { errorFrame } from './frames.ts';
import type { WsCounters } from './ws-metrics.ts';

/** uWS `send` result: the frame was not written because the socket's backpressure is over the limit. */
const DROPPED = 2;

/** What the sender needs besides the counters. */
export interface SenderOptions {
  /**
   * Bytes one connection may have queued (uWS's buffer plus this sender's outbox) before further
   * frames are dropped; the gateway's `maxBackpressure`.
   */
  maxBackpressureBytes: number;
  /** Called for each frame dropped at the limit: the gateway closes the slow consumer. */
  onOverflow(conn: Connection): void;
  /** Runs the flush after the current batch of socket events. Default `setImmediate`. */
  schedule?: (flush: () => void) => void;
}

/**
 * Writes frames to connections, batched. A frame for a socket other than the one uWS is
 * handling cannot be corked there, so writing it at once costs one syscall per frame. Instead
 * frames go to the recipient's outbox and are flushed after the current batch of socket events
 * (`setImmediate` runs right after the poll phase), each outbox inside one `ws.cork`, i.e. one
 * write per recipient and turn. Every frame to a connection goes through its outbox, in order,
 * so batching never reorders what one connection receives.
 *
 * Backpressure: a connection whose uWS buffer plus outbox exceeds `maxBackpressureBytes` gets
 * nothing more (the frame is dropped and `send` says so) and is handed to `onOverflow`, rather
 * than the server buffering for it without bound. Outbox sizes are counted in UTF-16 units,
 * which equal bytes for the ASCII frames the protocol produces and undercount others a little
 * (frames given as bytes count exactly).
 *
 * @example
 * sender.send(conn, pongFrame(msg.id)); // queued, written after this turn's socket events
 * sender.flush(conn); // before closing: what was queued goes out first
 */
export class Sender {
  private dirty: Connection[] = [];
  private spare: Connection[] = [];
  private scheduled = false;
  private readonly schedule: (flush: () => void) => void;
  private readonly flushAll = (): void => this.flushDirty();
  /** The connection `writeOutbox` writes; a field rather than a closure so a flush allocates nothing. */
  private current: Connection | null = null;
  private readonly writeOutbox = (): void => {
    if (this.current !== null) this.write(this.current);
  };

  constructor(
    private readonly counters: WsCounters,
    private readonly options: SenderOptions,
  ) {
    this.schedule = options.schedule ?? setImmediate;
  }

  /** True when the frame was queued; false when dropped or the socket is gone. */
  send(conn: Connection, frame: Frame): boolean {
    const ws = conn.ws;
    if (ws === null || conn.closed || conn.closing || !conn.ready) return false;
    const queued = conn.outboxBytes + frame.length;
    if (queued + ws.getBufferedAmount() > this.options.maxBackpressureBytes) {
      this.counters.droppedFrame();
      this.options.onOverflow(conn);
      return false;
    }
    if (conn.outbox.length === 0) {
      this.dirty.push(conn);
      if (!this.scheduled) {
        this.scheduled = true;
        this.schedule(this.flushAll);
      }
    }
    conn.outbox.push(frame);
    conn.outboxBytes = queued;
    return true;
  }

  /** Send a typed `error` frame echoing the request id as `ref`. */
  error(conn: Connection, code: ErrorCode, message: string, ref: string | undefined): void {
    this.counters.error(code);
    this.send(conn, errorFrame(code, message, ref));
  }

  /** Write `conn`'s outbox now (before a close, so queued frames precede the close frame). */
  flush(conn: Connection): void {
    if (conn.outbox.length === 0) return;
    const ws = conn.ws;
    if (ws === null || conn.closed) {
      this.discard(conn);
      return;
    }
    if (conn.outbox.length === 1) {
      // uWS corks a lone send itself.
      this.write(conn);
      return;
    }
    this.current = conn;
    try {
      ws.cork(this.writeOutbox);
    } finally {
      this.current = null;
    }
  }

  private flushDirty(): void {
    this.scheduled = false;
    // Swap the lists: a send during the flush (none today) lands in the next batch.
    const batch = this.dirty;
    this.dirty = this.spare;
    this.spare = batch;
    for (let i = 0; i < batch.length; i++) this.flush(batch[i] as Connection);
    batch.length = 0;
  }

  private write(conn: Connection): void {
    const ws = conn.ws;
    const outbox = conn.outbox;
    if (ws !== null && !conn.closed) {
      for (let i = 0; i < outbox.length; i++) {
        if (ws.send(outbox[i] as Frame, false) === DROPPED) {
          // uWS refused: over its limit (it also starts closing the socket). The rest would be too.
          for (let j = i; j < outbox.length; j++) this.counters.droppedFrame();
          break;
        }
      }
    }
    outbox.length = 0;
    conn.outboxBytes = 0;
  }

  private discard(conn: Connection): void {
    conn.outbox.length = 0;
    conn.outboxBytes = 0;
  }
}
