// Node-only: the receiving end of an accepted offer (incoming-offer.ts): decrypts, sequences,
// writes and acknowledges chunks, resuming from the durable progress record.
import type { Manifest } from '../crypto/manifest.ts';
import { decryptChunk, disposeStream, type StreamContext } from '../crypto/stream.ts';
import { HypersendError } from '../errors.ts';
import type { TransferSink } from '../files/transfer-sink.ts';
import { openChunkFrame } from './chunk-codec.ts';
import { ChunkSequencer } from './chunk-sequencer.ts';
import { MAX_CHUNK_SIZE, MIN_CHUNK_SIZE, negotiateChunkSize } from './chunk-size.ts';
import { EngineBase } from './engine-base.ts';
import type { FrameChannel } from './frame-channel.ts';
import { CHUNK_FRAME_OVERHEAD, decodeFrame, FRAME_VERSION, type Frame } from './framing.ts';
import type { AcceptOptions } from './incoming-offer.ts';
import type { StreamDescriptor } from './offer.ts';
import type { StreamSink } from './stream-sink.ts';
import { bytesBefore, cancelledError, keepsResumeState, localError, remoteError } from './transfer-events.ts';

/** Where an accepted offer's bytes go (made by `IncomingOffer.accept`). */
export type Target =
  | { kind: 'files'; sink: TransferSink; manifest: Manifest }
  | { kind: 'stream'; sink: StreamSink; desc: StreamDescriptor };

type Item =
  | { t: 'frame'; bytes: Uint8Array; gen: number }
  | { t: 'attach'; channel: FrameChannel; gen: number }
  | { t: 'flush' };

/**
 * When the queue runs dry with chunks unacknowledged, acknowledge after this long anyway: a
 * sender whose window is smaller than our ack interval would otherwise wait for us forever.
 */
const IDLE_ACK_MS = 20;

/**
 * The receiving end of one transfer (made by {@link IncomingOffer.accept}). Frames are processed
 * strictly one at a time: decode → sequence check → decrypt → write (awaiting the sink's
 * backpressure) → every `ackBytes` start a durable commit, which ACKs what it made durable when it
 * ends while frames keep being processed. The sender's window bounds how much can queue here; the
 * sink's in-flight limit bounds the writes.
 */
export class TransferReceiver extends EngineBase {
  readonly transferId: string;
  readonly #ctx: StreamContext;
  readonly #t: Target;
  readonly #ackEvery: number;
  readonly #maxQueue: number;
  readonly #queue: Item[] = [];
  #queued = 0;
  #draining = false;
  #seq: ChunkSequencer | undefined;
  #streamNext = 0;
  #helloGen = -1;
  #sinceAck = 0;
  /** A background commit is running; another ACK point was reached meanwhile. */
  #committing = false;
  #commitAgain = false;
  #bytes = 0;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;

  /** @internal use {@link IncomingOffer.accept}. */
  constructor(ctx: StreamContext, t: Target, o: AcceptOptions) {
    super(t.kind === 'files' ? t.manifest.totalSize : undefined, o);
    this.#ctx = ctx;
    this.#t = t;
    this.transferId = ctx.transferId;
    const chunkSize = t.kind === 'files' ? t.manifest.chunkSize : t.desc.chunkSize;
    this.#ackEvery = Math.max(1, Math.floor((o.ackBytes ?? 4 << 20) / chunkSize));
    this.#maxQueue = o.maxQueueBytes ?? 256 << 20;
    if (t.kind === 'files') this.#bytes = bytesBefore(t.sink.layout, t.sink.nextChunk);
    this.meter.reset(this.#bytes);
  }

  /** Where this receiver (re)starts: the first chunk not yet durable. */
  get nextChunk(): number {
    return this.#t.kind === 'files' ? this.#t.sink.nextChunk : this.#streamNext;
  }

  /** Cancel: the sender is told (CANCEL `user`); partial data is deleted. */
  cancel(message = ''): void {
    void this.fail(cancelledError('local', 'user', message), { type: 'cancel', reason: 'user', message });
  }

  /**
   * Stop now, keeping `.part` and the progress record. What was received so far is committed
   * first, so a later resume re-receives as little as possible.
   */
  override interrupt(): void {
    if (!this.active) return;
    const t = this.#t;
    const commit =
      t.kind === 'files' ? t.sink.commitThrough(Math.max(0, t.sink.nextChunk - 1)) : Promise.resolve();
    void commit.catch(() => undefined).then(() => super.interrupt());
  }

  protected canResume(): boolean {
    return this.#t.kind === 'files';
  }

  protected onAttach(channel: FrameChannel, gen: number): void {
    this.#push({ t: 'attach', channel, gen });
  }

  protected onFrame(bytes: Uint8Array, gen: number): void {
    this.#queued += bytes.byteLength;
    if (this.#queued > this.#maxQueue) {
      this.#fatal(new HypersendError('payload_too_large', 'sender exceeded its window'));
      return;
    }
    this.#push({ t: 'frame', bytes, gen });
  }

  protected async cleanup(ok: boolean, err?: HypersendError): Promise<void> {
    this.#queue.length = 0;
    clearTimeout(this.#idleTimer);
    disposeStream(this.#ctx);
    if (ok) return;
    // Keep `.part` and the record when only the connection was lost or the user interrupted:
    // accepting the same offer again (this process or a restarted one) resumes. Anything else
    // (cancel, tamper, integrity or disk failure) ends the transfer for good.
    if (!(keepsResumeState(err) && this.#t.kind === 'files')) await this.#t.sink.abort();
    // Keep `.part` and record, but never leak the file handle. Optional call: the browser's
    // in-memory sink (browser/memory-sink.ts) does not resume and has nothing to close.
    else await (this.#t.sink as { close?: () => Promise<void> }).close?.();
  }

  #push(item: Item): void {
    this.#queue.push(item);
    if (!this.#draining) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.active && this.#queue.length > 0) {
        const item = this.#queue.shift() as Item;
        if (item.t === 'attach') await this.#handshake(item.channel, item.gen);
        else if (item.t === 'flush') this.#ack();
        else {
          this.#queued -= item.bytes.byteLength;
          // Frames of an older channel that arrived before it closed are still good, in order.
          await this.#handle(item.bytes, item.gen);
        }
      }
      if (this.active && this.#sinceAck > 0 && this.#idleTimer === undefined) {
        this.#idleTimer = setTimeout(() => {
          this.#idleTimer = undefined;
          this.#push({ t: 'flush' });
        }, IDLE_ACK_MS);
      }
    } catch (e) {
      this.#fatal(localError(e));
    } finally {
      this.#draining = false;
    }
  }

  /**
   * Make everything received durable and acknowledge it (cumulative) — in the background: frames
   * keep being decrypted and written while the commit's fsyncs run, so throughput does not wait
   * on disk latency. The ACK names what the commit made durable, never more. One commit runs at
   * a time; an ACK point reached meanwhile starts the next one as soon as it ends.
   */
  #ack(): void {
    if (this.#sinceAck === 0) return;
    const t = this.#t;
    if (t.kind === 'stream') {
      this.#sinceAck = 0;
      void this.sendQuiet({ type: 'ack', next: this.#streamNext });
      return;
    }
    if (this.#committing) {
      this.#commitAgain = true;
      return;
    }
    this.#sinceAck = 0;
    this.#committing = true;
    t.sink.commitThrough(Math.max(0, t.sink.nextChunk - 1)).then(
      (next) => {
        this.#committing = false;
        if (!this.active) return;
        void this.sendQuiet({ type: 'ack', next });
        if (this.#commitAgain) {
          this.#commitAgain = false;
          this.#ack();
        }
      },
      (e: unknown) => {
        this.#committing = false;
        if (this.active) this.#fatal(localError(e));
      },
    );
  }

  #fatal(err: HypersendError): void {
    const code = /^[a-z0-9_]{1,64}$/u.test(err.code) ? err.code : 'io';
    void this.fail(err, { type: 'error', code, message: err.message });
  }

  async #handshake(channel: FrameChannel, gen: number): Promise<void> {
    let next = this.#streamNext;
    if (this.#t.kind === 'files') {
      // Everything processed so far becomes durable, so the sender resends only what was lost in flight.
      next = await this.#t.sink.commitThrough(Math.max(0, this.#t.sink.nextChunk - 1));
      this.#seq = new ChunkSequencer(this.#t.manifest.chunkCount, next);
    } else if (this.connections > 1) {
      throw new HypersendError('unsupported', 'a stream cannot resume');
    }
    this.#helloGen = -1;
    await this.sendQuiet(
      {
        type: 'hello',
        maxVersion: FRAME_VERSION,
        maxChunkSize: await receivableChunkSize(channel),
        capabilities: 0,
        transferId: this.transferId,
      },
      channel,
    );
    await this.sendQuiet({ type: 'resume_from', index: next }, channel);
    void channel.path?.().then((p) => {
      if (gen === this.gen) this.meter.path = p;
    });
  }

  async #handle(bytes: Uint8Array, gen: number): Promise<void> {
    const chunkSize = this.#t.kind === 'files' ? this.#t.manifest.chunkSize : this.#t.desc.chunkSize;
    const r = decodeFrame(bytes, { maxChunkSize: chunkSize });
    if (!r.ok) throw new HypersendError(r.code, r.message);
    const f = r.frame;
    switch (f.type) {
      case 'hello':
        if (f.transferId !== this.transferId) throw HypersendError.badFrame('HELLO names another transfer');
        this.#helloGen = gen;
        return;
      case 'chunk':
        if (this.#helloGen !== gen) throw HypersendError.badFrame('CHUNK before HELLO');
        return this.#t.kind === 'files' ? this.#fileChunk(f, this.#t) : this.#streamChunk(f, this.#t);
      case 'done':
        // The sender has sent everything; the final chunk would have completed us already.
        if (this.#t.kind === 'files')
          (this.#seq as ChunkSequencer).finish(); // throws `truncated`
        else throw new HypersendError('truncated', `stream ended at chunk ${this.#streamNext}`);
        return;
      case 'cancel':
        await this.fail(cancelledError('remote', f.reason, f.message), undefined);
        return;
      case 'error':
        await this.fail(remoteError(f.code, f.message), undefined);
        return;
      case 'ack':
      case 'resume_from':
        throw HypersendError.badFrame(`unexpected ${f.type.toUpperCase()} at the receiver`);
      default:
        return assertNever(f);
    }
  }

  async #fileChunk(
    f: Extract<Frame, { type: 'chunk' }>,
    t: Extract<Target, { kind: 'files' }>,
  ): Promise<void> {
    const seq = this.#seq as ChunkSequencer;
    const isFinal = seq.accept(f.index); // duplicate / gap / past the end, before spending a decryption
    const plain = openChunkFrame(this.#ctx, f, seq.chunkCount);
    seq.commit();
    await t.sink.write(f.index, plain); // resolves when the sink has room: disk backpressure
    this.#bytes += plain.length;
    if (isFinal) {
      await t.sink.finish();
      await this.sendQuiet({ type: 'ack', next: seq.chunkCount });
      await this.sendQuiet({ type: 'done', chunkCount: seq.chunkCount });
      return this.#succeed(seq.chunkCount);
    }
    if (++this.#sinceAck >= this.#ackEvery) this.#ack();
    this.meter.update(this.#bytes);
  }

  async #streamChunk(
    f: Extract<Frame, { type: 'chunk' }>,
    t: Extract<Target, { kind: 'stream' }>,
  ): Promise<void> {
    if (f.index < this.#streamNext)
      throw new HypersendError('duplicate_chunk', `chunk ${f.index} already received`);
    if (f.index > this.#streamNext)
      throw new HypersendError('out_of_order', `expected chunk ${this.#streamNext}, got ${f.index}`);
    // No manifest count for a stream: the final flag is the sender's, but it is authenticated in
    // the nonce, so a forged or missing final still fails (decrypt_failed / truncated).
    const plain = decryptChunk(this.#ctx, f.index, f.final, f.ciphertext);
    await t.sink.write(plain);
    this.#streamNext++;
    this.#bytes += plain.length;
    if (f.final) {
      await t.sink.finish();
      await this.sendQuiet({ type: 'ack', next: this.#streamNext });
      await this.sendQuiet({ type: 'done', chunkCount: this.#streamNext });
      return this.#succeed(this.#streamNext);
    }
    if (++this.#sinceAck >= this.#ackEvery) this.#ack();
    this.meter.update(this.#bytes);
  }

  #succeed(chunkCount: number): Promise<void> {
    // The sender closes the channel once it has our DONE.
    return this.succeed(
      {
        transferId: this.transferId,
        bytes: this.#bytes,
        chunkCount,
        sentChunks: 0,
        resentChunks: 0,
        connections: this.connections,
      },
      false,
    );
  }
}

/**
 * The largest chunk this end can take on `channel` (HELLO `maxChunkSize`): up to 1 MiB, less when
 * the transport's message limit is lower (a data channel's `maxMessageSize`, 256 KiB in Chromium
 * and libwebrtc, gives 255 KiB). The sender checks this transfer's chunk size against it and
 * remembers it for its next transfer to this device (FORMAT.md §6, chunk size).
 */
async function receivableChunkSize(channel: FrameChannel): Promise<number> {
  const limit = await channel.maxFrameBytes?.();
  const size = negotiateChunkSize(
    MAX_CHUNK_SIZE,
    MAX_CHUNK_SIZE,
    limit === undefined ? undefined : limit - CHUNK_FRAME_OVERHEAD,
  );
  // Below 16 KiB no chunk fits: advertise the floor and let the sender's own check refuse it.
  return size ?? MIN_CHUNK_SIZE;
}

function assertNever(x: never): never {
  throw new Error(`unexpected ${JSON.stringify(x)}`);
}
