// Node-only: the sender's data path — read (with read-ahead), pace, seal and send chunks from a
// resume point to the end, within the unacknowledged window; and what to tell the peer if it fails.
import { HypersendError } from '../errors.ts';
import type { FrameChannel } from './frame-channel.ts';
import { encodeFrame, type Frame } from './framing.ts';
import type { Source } from './sender-setup.ts';

/** What a pump run needs from its sender; bound to one run, so a superseded run sees `live()` false. */
export interface PumpHost {
  /** Wait until chunk `index` fits the unacknowledged window; false once the run is superseded. */
  waitWindow(index: number): Promise<boolean>;
  /** This run is still the current one on a live channel. */
  live(): boolean;
  /** Wait for the rate limit to allow `bytes` more; absent without a limit (no await per chunk). */
  pace?(bytes: number): Promise<void>;
  /** The sealed CHUNK frame of `plain` (copies it: the buffer may be reused at once). */
  seal(index: number, final: boolean, plain: Uint8Array): Uint8Array;
  /** Chunk `index` is about to be handed to the channel. */
  noteSent(index: number): void;
}

/** Marks a failed channel send: the channel's onClose decides what happens, not the pump. */
export const CHANNEL_GONE = Symbol('channel gone');

function sendOn(channel: FrameChannel, frame: Uint8Array): Promise<void> {
  return channel.send(frame).catch(() => {
    throw CHANNEL_GONE;
  });
}

/**
 * Send chunks `from`.. of a files source, then DONE. Up to `readAhead` positional reads run in
 * flight into recycled buffers while the current chunk is sealed and the channel drains.
 *
 * @example
 * await pumpFiles(host, k, channel, source, { readAhead: 4, chunkSize });
 */
export async function pumpFiles(
  host: PumpHost,
  from: number,
  channel: FrameChannel,
  src: Extract<Source, { kind: 'files' }>,
  o: { readAhead: number; chunkSize: number },
): Promise<void> {
  const count = src.layout.chunkCount;
  // Sealing copies into the frame, so a buffer is free again as soon as its chunk is sealed.
  const pool: Uint8Array[] = Array.from({ length: o.readAhead }, () => new Uint8Array(o.chunkSize));
  const reads: Array<{ buf: Uint8Array; p: Promise<Uint8Array> }> = [];
  let nextRead = from;
  const fill = (): void => {
    while (reads.length < o.readAhead && nextRead < count) {
      const buf = pool.pop() as Uint8Array;
      const p = src.files.readChunk(nextRead++, buf);
      p.catch(() => undefined); // awaited below; abandoned reads after a disconnect must not be unhandled
      reads.push({ buf, p });
    }
  };
  fill();
  for (let i = from; i < count; i++) {
    if (!(await host.waitWindow(i))) return;
    const r = reads.shift() as { buf: Uint8Array; p: Promise<Uint8Array> };
    const plain = await r.p;
    if (host.pace) await host.pace(plain.length);
    if (!host.live()) return;
    const frame = host.seal(i, i === count - 1, plain);
    pool.push(r.buf);
    fill();
    host.noteSent(i);
    await sendOn(channel, frame);
  }
  if (host.live()) await sendOn(channel, encodeFrame({ type: 'done', chunkCount: count }));
}

/**
 * Send the rest of a stream source, then DONE. A stream is read once: it can continue where it
 * stopped on a new channel, but not go back (`unsupported`).
 *
 * @example
 * await pumpStream(host, k, channel, source);
 */
export async function pumpStream(
  host: PumpHost,
  from: number,
  channel: FrameChannel,
  src: Extract<Source, { kind: 'stream' }>,
): Promise<void> {
  if (from !== src.produced) throw new HypersendError('unsupported', 'a stream cannot be rewound');
  while (!src.ended) {
    if (!(await host.waitWindow(src.produced))) return;
    const next = await src.chunks.next();
    if (next.done) break;
    const c = next.value;
    if (host.pace) await host.pace(c.bytes.length);
    src.produced = c.index + 1;
    if (c.final) src.ended = true;
    if (!host.live()) throw new HypersendError('peer_closed', 'channel lost mid-stream');
    host.noteSent(c.index);
    src.bytes += c.bytes.length;
    await sendOn(channel, host.seal(c.index, c.final, c.bytes));
  }
  if (host.live()) await sendOn(channel, encodeFrame({ type: 'done', chunkCount: src.produced }));
}

/**
 * The frame that tells the receiver why sending stopped: CANCEL `sourceChanged` when a file moved
 * under us (the receiver must not resume it), ERROR with the code otherwise.
 *
 * @example
 * void engine.fail(err, goodbyeFor(err));
 */
export function goodbyeFor(err: HypersendError): Frame {
  if (err.code === 'source_changed') return { type: 'cancel', reason: 'sourceChanged', message: err.message };
  // The frame's code field is a short snake_case token; anything else is reported as `io`.
  return { type: 'error', code: /^[a-z0-9_]{1,64}$/u.test(err.code) ? err.code : 'io', message: err.message };
}
