import type { ErrorCode } from '@hypersend/protocol';
import type { Frame } from './bus.ts';
import type { Connection } from './connection.ts';
import { errorFrame } from './frames.ts';
import type { WsCounters } from './ws-metrics.ts';

/** uWS `send` result: the frame was not written because the socket's backpressure is over the limit. */
const DROPPED = 2;
/** An empty outbox's head and tail, and the end of an outbox's list. */
export const END = -1;

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
 * The outboxes are linked lists threaded through one queue shared by all connections, and a
 * connection holds only the (small integer) indices of its first and last frame. A per-connection
 * array of frames made every recipient's long-lived state point at freshly allocated memory, and
 * V8's young-generation GC revisits each such old-to-new pointer: with 10,000 connections all
 * receiving between two scavenges, a cache and TLB miss per connection, which doubled the
 * scavenges at 10,000 signals/s (median 3.8 ms with arrays, 1.9 ms with this queue). The shared
 * queue is young itself and replaced after each flush.
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
  /** Every queued frame, all connections together, in the order sent. */
  private frames: Frame[] = [];
  /** `next[i]`: index of the frame after `frames[i]` in the same connection's outbox, or `END`. */
  private next: number[] = [];
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
    const index = this.frames.length;
    this.frames.push(frame);
    this.next.push(END);
    if (conn.outboxHead === END) {
      conn.outboxHead = index;
      this.dirty.push(conn);
      if (!this.scheduled) {
        this.scheduled = true;
        this.schedule(this.flushAll);
      }
    } else this.next[conn.outboxTail] = index;
    conn.outboxTail = index;
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
    if (conn.outboxHead === END) return;
    const ws = conn.ws;
    if (ws === null || conn.closed) {
      this.discard(conn);
      return;
    }
    if (conn.outboxHead === conn.outboxTail) {
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
    // Fresh (young) queue arrays for the next turn, unless a send during this flush queued
    // frames that still wait in them.
    if (this.dirty.length === 0) {
      this.frames = [];
      this.next = [];
    }
  }

  private write(conn: Connection): void {
    const ws = conn.ws;
    const { frames, next } = this;
    let i = conn.outboxHead;
    if (ws !== null && !conn.closed) {
      for (; i !== END; i = next[i] as number) {
        if (ws.send(frames[i] as Frame, false) === DROPPED) break;
      }
      // uWS refused frame `i`: over its limit (it also starts closing the socket). The rest would be too.
      for (; i !== END; i = next[i] as number) this.counters.droppedFrame();
    }
    this.discard(conn);
  }

  private discard(conn: Connection): void {
    conn.outboxHead = END;
    conn.outboxTail = END;
    conn.outboxBytes = 0;
  }
}
