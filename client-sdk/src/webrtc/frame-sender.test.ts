import { describe, expect, it } from 'vitest';
import { type BufferedChannel, FrameSender } from './frame-sender.ts';
import { PeerError } from './peer-error.ts';

/** A channel that drains `drainPerTick` bytes every millisecond, like a link with fixed speed. */
class FakeChannel implements BufferedChannel {
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  sent: number[] = [];
  max = 0;
  private readonly timer: ReturnType<typeof setInterval>;
  constructor(drainPerTick: number) {
    this.timer = setInterval(() => {
      this.bufferedAmount = Math.max(0, this.bufferedAmount - drainPerTick);
    }, 1);
  }
  send(data: Uint8Array<ArrayBuffer>): void {
    this.sent.push(data[0]!);
    this.bufferedAmount += data.byteLength;
    this.max = Math.max(this.max, this.bufferedAmount);
  }
  addEventListener(): void {}
  removeEventListener(): void {}
  stop(): void {
    clearInterval(this.timer);
  }
}

const marks = { highWatermark: 8192, lowWatermark: 2048, pollMs: 1 };
const frame = (i: number): Uint8Array<ArrayBuffer> => new Uint8Array(1000).fill(i);

describe('FrameSender', () => {
  it('keeps order and bounds bufferedAmount for un-awaited sends', async () => {
    const ch = new FakeChannel(4000);
    const w = new FrameSender(ch, marks);
    await Promise.all(Array.from({ length: 200 }, (_, i) => w.send(frame(i % 256))));
    ch.stop();
    expect(ch.sent).toEqual(Array.from({ length: 200 }, (_, i) => i % 256));
    expect(ch.max).toBeLessThanOrEqual(marks.highWatermark + 1000);
    expect(w.maxObservedBuffered).toBeLessThanOrEqual(marks.highWatermark + 1000);
  });

  it('reads bufferedAmount about once per (high - low) bytes, not per frame', async () => {
    // In @roamhq/wrtc each read is a blocking call into libwebrtc's signaling thread.
    const ch = new FakeChannel(4000);
    let reads = 0;
    const counted: BufferedChannel = {
      get bufferedAmount() {
        reads++;
        return ch.bufferedAmount;
      },
      bufferedAmountLowThreshold: 0,
      send: (d) => ch.send(d),
      addEventListener: () => {},
      removeEventListener: () => {},
    };
    const w = new FrameSender(counted, marks);
    for (let i = 0; i < 400; i++) await w.send(frame(i % 256));
    ch.stop();
    expect(ch.sent.length).toBe(400);
    expect(ch.max).toBeLessThanOrEqual(marks.highWatermark + 1000);
    // 400 frames of 1000 B with 6 KB between the marks: a few dozen refills and polls, not 800 reads.
    expect(reads).toBeLessThan(400);
  });

  it('rejects queued and later frames once failed', async () => {
    const ch = new FakeChannel(0); // never drains
    const w = new FrameSender(ch, marks);
    const sends = Array.from({ length: 20 }, (_, i) => w.send(frame(i)));
    w.fail(PeerError.closed());
    const results = await Promise.allSettled(sends);
    ch.stop();
    expect(results.filter((r) => r.status === 'fulfilled').length).toBe(9); // up to 8192 + one frame
    expect(results.filter((r) => r.status === 'rejected').length).toBe(11);
    await expect(w.send(frame(0))).rejects.toMatchObject({ code: 'peer_closed' });
  });

  it('turns a throwing channel into data_channel_error', async () => {
    const ch = new FakeChannel(0);
    ch.send = () => {
      throw new Error('InvalidStateError');
    };
    const w = new FrameSender(ch, marks);
    await expect(w.send(frame(1))).rejects.toMatchObject({ code: 'data_channel_error' });
    ch.stop();
  });
});
