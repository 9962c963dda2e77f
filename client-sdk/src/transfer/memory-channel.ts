// In-process FrameChannel pair for unit tests and for wiring two engines in one process.
import { HypersendError } from '../errors.ts';
import type { FrameChannel, TransferPath } from './frame-channel.ts';

/** Options of {@link createMemoryChannelPair}. */
export interface MemoryChannelOptions {
  /** Bytes queued towards a side before `send` waits (like a data channel's high watermark). */
  highWatermark?: number;
  /** Bytes the queue must drain to before waiting senders resume. */
  lowWatermark?: number;
  /** Path reported by `path()`. Default `'direct'`. */
  path?: TransferPath;
}

interface End {
  queue: Uint8Array[];
  queued: number;
  handlers: Set<(frame: Uint8Array) => void>;
  closeHandlers: Set<(err?: HypersendError) => void>;
  waiters: Array<() => void>;
  scheduled: boolean;
}

/**
 * Two connected {@link FrameChannel}s. Delivery is asynchronous (a macrotask per batch) so a
 * receiver's handlers never run inside the sender's `send`, and `send` applies watermark
 * backpressure against the receiving side's queue, as a data channel would. `close()` on either
 * end closes both (the peer sees `onClose` without an error).
 *
 * @example
 * const [a, b] = createMemoryChannelPair();
 * b.onFrame((f) => console.log(f.length));
 * await a.send(new Uint8Array(3));
 */
export function createMemoryChannelPair(options: MemoryChannelOptions = {}): [FrameChannel, FrameChannel] {
  const high = options.highWatermark ?? 1 << 20;
  const low = options.lowWatermark ?? high / 4;
  const ends: [End, End] = [makeEnd(), makeEnd()];
  let closed = false;

  const deliver = (end: End): void => {
    end.scheduled = false;
    // Drain what is queued now; frames sent by handlers go out in the next batch.
    const batch = end.queue;
    end.queue = [];
    for (const frame of batch) {
      end.queued -= frame.byteLength;
      if (closed) break;
      for (const h of [...end.handlers]) h(frame);
    }
    if (end.queued <= low) for (const w of end.waiters.splice(0)) w();
  };

  const closeAll = (): void => {
    if (closed) return;
    closed = true;
    for (const end of ends) {
      for (const w of end.waiters.splice(0)) w();
      const hs = [...end.closeHandlers];
      end.closeHandlers.clear();
      setImmediate(() => {
        for (const h of hs) h();
      });
    }
  };

  const channel = (mine: End, theirs: End): FrameChannel => ({
    async send(frame) {
      if (closed) throw new HypersendError('peer_closed', 'channel is closed');
      theirs.queue.push(frame);
      theirs.queued += frame.byteLength;
      if (!theirs.scheduled) {
        theirs.scheduled = true;
        setImmediate(() => deliver(theirs));
      }
      if (theirs.queued > high) await new Promise<void>((resolve) => theirs.waiters.push(resolve));
    },
    onFrame(handler) {
      mine.handlers.add(handler);
      return () => void mine.handlers.delete(handler);
    },
    onClose(handler) {
      mine.closeHandlers.add(handler);
      return () => void mine.closeHandlers.delete(handler);
    },
    path: async () => options.path ?? 'direct',
    close: closeAll,
  });
  return [channel(ends[0], ends[1]), channel(ends[1], ends[0])];
}

function makeEnd(): End {
  return {
    queue: [],
    queued: 0,
    handlers: new Set(),
    closeHandlers: new Set(),
    waiters: [],
    scheduled: false,
  };
}
