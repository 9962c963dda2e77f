import { PeerError } from './peer-error.ts';

/** The slice of `RTCDataChannel` the sender drives; a fake in unit tests, the real one otherwise. */
export interface BufferedChannel {
  readonly bufferedAmount: number;
  bufferedAmountLowThreshold: number;
  send(data: Uint8Array<ArrayBuffer>): void;
  addEventListener(type: 'bufferedamountlow', listener: () => void): void;
  removeEventListener(type: 'bufferedamountlow', listener: () => void): void;
}

/** Backpressure watermarks, in bytes of `bufferedAmount`, and the polling period. */
export interface Watermarks {
  /** Stop handing frames to the channel above this. */
  highWatermark: number;
  /** Resume once the channel has drained to this. */
  lowWatermark: number;
  /** Poll period while waiting to drain. */
  pollMs: number;
}

interface Pending {
  frame: Uint8Array<ArrayBuffer>;
  resolve: () => void;
  reject: (err: PeerError) => void;
}

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * Ordered, backpressured writer over one data channel.
 *
 * A frame goes to the channel only while `bufferedAmount <= highWatermark`, so the channel never
 * holds more than `highWatermark + one frame` (libwebrtc closes a channel whose buffer passes
 * 16 MiB). Above the high watermark it waits for the low one: by polling, because `@roamhq/wrtc`
 * never fires `bufferedamountlow`, and by that event too, where browsers do fire it.
 * The hysteresis matters: resuming right at the high mark would wake up for every frame.
 *
 * `bufferedAmount` is not read for every frame: in `@roamhq/wrtc` each read is a blocking call
 * into libwebrtc's signaling thread (~30 µs on an idle machine, far more on a busy one, and CPU
 * the network thread then lacks). Between reads the writer keeps an upper bound — the last value
 * read plus every byte sent since (the buffer only drains on its own) — and reads the real value
 * only when that bound passes the high watermark. With 4 MiB / 1 MiB marks that is one read per
 * ~3 MiB sent instead of two per frame; the bound never lets the buffer exceed the high mark by
 * more than one frame.
 *
 * @example
 * const w = new FrameSender(channel, { highWatermark: 4 << 20, lowWatermark: 1 << 20, pollMs: 5 });
 * for (const frame of frames) await w.send(frame);
 */
export class FrameSender {
  private queue: Pending[] = [];
  private head = 0;
  private waiting = false;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private failed: PeerError | undefined;
  private maxBuffered = 0;
  /** Upper bound of `channel.bufferedAmount`: the last value read plus bytes sent since. */
  private estimate = 0;
  private readonly onLow = (): void => this.resume();

  constructor(
    private readonly channel: BufferedChannel,
    private readonly marks: Watermarks,
  ) {
    // Browsers fire bufferedamountlow at this threshold; polling covers wrtc, which never does.
    channel.bufferedAmountLowThreshold = marks.lowWatermark;
    channel.addEventListener('bufferedamountlow', this.onLow);
  }

  /** Largest `bufferedAmount` bound right after a send (an upper bound of the real value). */
  get maxObservedBuffered(): number {
    return this.maxBuffered;
  }

  /** Frames accepted by `send` but not yet handed to the channel. */
  get queued(): number {
    return this.queue.length - this.head;
  }

  /**
   * Queue one frame; resolves once it has been handed to the channel, which happens at once while
   * the channel is below the high watermark. Frames are sent in call order.
   */
  send(frame: Uint8Array<ArrayBuffer>): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    if (!this.waiting && this.queued === 0 && this.hasRoom()) {
      // Fast path, the common case for an awaiting caller: no queue entry, no new promise.
      const err = this.write(frame);
      return err ? Promise.reject(err) : RESOLVED;
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ frame, resolve, reject });
      if (!this.waiting) this.pump();
    });
  }

  /** Refuse all queued and future frames with `err` and stop polling. */
  fail(err: PeerError): void {
    if (this.failed) return;
    this.failed = err;
    this.stopWaiting();
    this.channel.removeEventListener('bufferedamountlow', this.onLow);
    const pending = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    for (const p of pending) p.reject(err);
  }

  private write(frame: Uint8Array<ArrayBuffer>): PeerError | undefined {
    try {
      this.channel.send(frame);
    } catch (cause) {
      const err = new PeerError('data_channel_error', 'data channel refused a frame', { cause });
      this.fail(err);
      return err;
    }
    this.estimate += frame.byteLength;
    if (this.estimate > this.maxBuffered) this.maxBuffered = this.estimate;
    return undefined;
  }

  /** Below the high watermark? Reads the real `bufferedAmount` only when the bound says no. */
  private hasRoom(): boolean {
    if (this.estimate <= this.marks.highWatermark) return true;
    this.estimate = this.channel.bufferedAmount;
    return this.estimate <= this.marks.highWatermark;
  }

  private pump(): void {
    while (this.head < this.queue.length) {
      if (!this.hasRoom()) {
        this.waiting = true;
        this.pollTimer = setTimeout(this.poll, this.marks.pollMs);
        return;
      }
      const next = this.queue[this.head]!;
      this.head += 1;
      const err = this.write(next.frame);
      if (err) {
        next.reject(err);
        return;
      }
      next.resolve();
    }
    // Drained: drop the consumed prefix so the array does not grow forever.
    this.queue = [];
    this.head = 0;
  }

  private readonly poll = (): void => {
    this.pollTimer = undefined;
    this.estimate = this.channel.bufferedAmount;
    if (this.estimate <= this.marks.lowWatermark) this.resume();
    else this.pollTimer = setTimeout(this.poll, this.marks.pollMs);
  };

  private resume(): void {
    if (!this.waiting || this.failed) return;
    this.stopWaiting();
    this.pump();
  }

  private stopWaiting(): void {
    this.waiting = false;
    if (this.pollTimer !== undefined) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
  }
}
