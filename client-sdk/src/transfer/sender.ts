// Node-only: the sending end of a transfer. Reads, seals and sends chunks with read-ahead, a
// bounded unacknowledged window, and restarts at whatever chunk the receiver asks for.
import { disposeStream, type StreamContext } from '../crypto/stream.ts';
import { HypersendError } from '../errors.ts';
import type { ChunkLayout } from '../files/chunk-layout.ts';
import { sealChunkFrame } from './chunk-codec.ts';
import { CHANNEL_GONE, goodbyeFor, type PumpHost, pumpFiles, pumpStream } from './chunk-pump.ts';
import { MAX_CHUNK_SIZE, negotiateChunkSize } from './chunk-size.ts';
import { EngineBase } from './engine-base.ts';
import type { FrameChannel } from './frame-channel.ts';
import { CHUNK_FRAME_OVERHEAD, decodeFrame, FRAME_VERSION, type Frame } from './framing.ts';
import type { OfferAnswer, OfferEnvelope } from './offer.ts';
import { Pacer } from './pacer.ts';
import {
  type PreparedSend,
  prepareSend,
  restoreSend,
  type SenderOptions,
  type SenderTuning,
  type Source,
} from './sender-setup.ts';
import { deleteSenderRecord } from './sender-state.ts';
import {
  bytesBefore,
  cancelledError,
  keepsResumeState,
  localError,
  remoteError,
  Wakeup,
} from './transfer-events.ts';

// Moved to sender-setup.ts; re-exported so `@hypersend/client/transfer` and existing imports keep them.
export type { SenderOptions, SenderTuning, SendInput } from './sender-setup.ts';

const DEFAULT_WINDOW = 32 << 20;

/** Identifies one pump run: the channel generation and the RESUME_FROM that started it. */
interface PumpGen {
  chan: number;
  id: number;
}

/**
 * Sends one offer's content to one receiving device over a {@link FrameChannel}.
 *
 * Protocol (FORMAT.md §6 frames): the receiver speaks first with HELLO and RESUME_FROM k (its
 * durable progress); the sender answers HELLO and streams CHUNK k.. followed by DONE (end of
 * stream); the receiver ACKs cumulatively and sends DONE once every file is verified and in place.
 * A new channel (`attach`) repeats the handshake and the sender restarts at the new k.
 *
 * @example
 * const t = await TransferSender.create({ input: { kind: 'files', paths: ['/tmp/a.bin'] },
 *   sender: me, recipient: bob, backend: await loadCryptoBackend(), stateDir });
 * signaling.sendOffer(t.offer);
 * t.attach(peerSessionChannel(session));
 * t.on('progress', (p) => console.log(p.bytes, p.total, p.rate, p.path));
 * await t.result;
 */
export class TransferSender extends EngineBase {
  readonly offer: OfferEnvelope;
  readonly transferId: string;
  /** `performance.timeOrigin + now()` when the first CHUNK frame was handed to a channel. */
  firstChunkAt: number | undefined;
  readonly #ctx: StreamContext;
  readonly #source: Source;
  readonly #chunkSize: number;
  readonly #windowChunks: number;
  readonly #readAhead: number;
  readonly #stateDir: string | undefined;
  readonly #pacer: Pacer | undefined;
  readonly #wake = new Wakeup();
  #acked = 0;
  #highestSent = -1;
  #resent = 0;
  #helloGen = -1;
  /** Restored after a restart: what the previous process sent is unknown until RESUME_FROM. */
  #sentUnknown = false;
  #sentCount = 0;
  #pumpId = 0;
  /** HELLO `maxChunkSize` of the receiver and our own channel's limit, once known. */
  #peerMaxChunk: number | undefined;
  #ownMaxChunk: number | undefined;
  /** When the receiver last sent anything, and the check against its channel's silence limit. */
  #heardAt = 0;
  #silenceTimer: ReturnType<typeof setInterval> | undefined;

  private constructor(prepared: PreparedSend, o: SenderTuning) {
    const { ctx, offer, source, chunkSize } = prepared;
    super(source.kind === 'files' ? bytesBefore(source.layout, source.layout.chunkCount) : undefined, o);
    this.#ctx = ctx;
    this.offer = offer;
    this.transferId = offer.transferId;
    this.#source = source;
    this.#chunkSize = chunkSize;
    this.#windowChunks = Math.max(2, Math.floor((o.windowBytes ?? DEFAULT_WINDOW) / chunkSize));
    this.#readAhead = Math.max(1, o.readAhead ?? 4);
    this.#stateDir = prepared.stateDir;
    this.#pacer = o.maxBytesPerSecond === undefined ? undefined : new Pacer(o.maxBytesPerSecond);
  }

  /**
   * Build a transfer: enumerate and hash the files (the manifest carries per-file digests), draw a
   * key and id, seal the key to the recipient, and persist the resume record before returning.
   *
   * @throws HypersendError `invalid_argument` (nothing to send), `bad_manifest`, `io`.
   */
  static async create(o: SenderOptions): Promise<TransferSender> {
    return new TransferSender(await prepareSend(o), o);
  }

  /**
   * Re-create a transfer after a restart from its record: same id, key, manifest and offer; the
   * files are re-opened (and refused with `source_changed` if their size or mtime moved). Nothing
   * is re-read or re-hashed until the receiver says where to resume.
   *
   * @example
   * const t = await TransferSender.restore(senderRecordPath(stateDir, id), { backend });
   */
  static async restore(recordFile: string, o: SenderTuning & { stateDir: string }): Promise<TransferSender> {
    const t = new TransferSender(await restoreSend(recordFile, o), o);
    t.#sentUnknown = true;
    return t;
  }

  /** Highest chunk index handed to a channel so far (-1: none). */
  get highestSent(): number {
    return this.#highestSent;
  }

  /** Chunks sent more than once so far (resumes). */
  get resentChunks(): number {
    return this.#resent;
  }

  /** The unacknowledged-window size in chunks: the most a resume can ever send twice. */
  get windowChunks(): number {
    return this.#windowChunks;
  }

  /** Chunks the receiving side has acknowledged as durable: where a relay upload starts. */
  get acknowledged(): number {
    return this.#acked;
  }

  /** The chunk layout of a files transfer (`undefined` for a stream): sizes the relay object. */
  get layout(): ChunkLayout | undefined {
    return this.#source.kind === 'files' ? this.#source.layout : undefined;
  }

  /**
   * The largest chunk size both ends' channels carried on the last connection (the receiver's
   * HELLO advertisement and this end's `maxMessageSize`), once known: what a later transfer to the
   * same device may pass as `chunkSize` (FORMAT.md §6 — 64 KiB unless both ends advertise more).
   */
  get chunkSizeLimit(): number | undefined {
    if (this.#peerMaxChunk === undefined) return undefined;
    return negotiateChunkSize(this.#peerMaxChunk, this.#ownMaxChunk ?? MAX_CHUNK_SIZE);
  }

  /** The recipient's answer from signaling; a decline ends the transfer (`cancelled`, by remote). */
  handleAnswer(answer: OfferAnswer): void {
    if (answer.transferId !== this.transferId || answer.decision === 'accept') return;
    void this.fail(cancelledError('remote', 'declined'), undefined);
  }

  /** Cancel: the receiver is told (CANCEL `user`) and fails with `cancelled` `by: 'remote'`. */
  cancel(message = ''): void {
    void this.fail(cancelledError('local', 'user', message), { type: 'cancel', reason: 'user', message });
  }

  protected canResume(): boolean {
    return this.#source.kind === 'files';
  }

  protected onAttach(channel: FrameChannel, gen: number): void {
    // The receiver speaks first (HELLO + RESUME_FROM); nothing to send until then.
    this.#heardAt = Date.now();
    clearInterval(this.#silenceTimer);
    const limit = channel.silenceLimitMs;
    if (limit === undefined) return;
    this.#silenceTimer = setInterval(
      () => {
        if (!this.isLive(gen)) return clearInterval(this.#silenceTimer);
        const unacknowledged = this.#highestSent + 1 > this.#acked;
        if (!unacknowledged || Date.now() - this.#heardAt <= limit) return;
        clearInterval(this.#silenceTimer);
        this.abandonChannel(
          new HypersendError(
            'peer_connection_failed',
            `no word from the receiver for ${Math.round(limit / 1000)} s with data unacknowledged`,
          ),
        );
      },
      Math.min(1000, limit / 4),
    );
    (this.#silenceTimer as { unref?: () => void }).unref?.();
  }

  protected override onDisconnect(): void {
    clearInterval(this.#silenceTimer);
    this.#wake.notify();
  }

  protected async cleanup(ok: boolean, err?: HypersendError): Promise<void> {
    clearInterval(this.#silenceTimer);
    this.#wake.notify();
    if (this.#source.kind === 'files') await this.#source.files.close();
    else await this.#source.chunks.return(undefined);
    disposeStream(this.#ctx);
    // A failed transfer is over (a new attempt is a new transfer with a new key): the record goes —
    // except after an interrupt or a lost connection, which a later `restore` resumes.
    if (this.#stateDir !== undefined && (ok || !keepsResumeState(err)))
      await deleteSenderRecord(this.#stateDir, this.transferId);
  }

  protected onFrame(bytes: Uint8Array, gen: number): void {
    this.#heardAt = Date.now();
    const r = decodeFrame(bytes);
    if (!r.ok) {
      this.#protocolError(new HypersendError(r.code, r.message));
      return;
    }
    const f = r.frame;
    switch (f.type) {
      case 'hello':
        if (f.transferId !== this.transferId) {
          this.#protocolError(HypersendError.badFrame('HELLO names another transfer'));
          return;
        }
        if (f.maxChunkSize < this.#chunkSize) {
          // Only possible when the size was forced or the peer's limit before the offer was wrong:
          // say which sizes, so the user (or app) can send again with one that fits.
          const limits = { chunkSize: this.#chunkSize, peerMaxChunkSize: f.maxChunkSize };
          void this.fail(
            new HypersendError(
              'unsupported',
              `chunks of ${limits.chunkSize} bytes are larger than the receiver's data channel takes (up to ${limits.peerMaxChunkSize}); send again with chunkSize ≤ ${limits.peerMaxChunkSize}`,
              { details: limits },
            ),
            {
              type: 'error',
              code: 'unsupported',
              message: `chunks of ${limits.chunkSize} bytes do not fit this channel (up to ${limits.peerMaxChunkSize})`,
            },
          );
          return;
        }
        this.#helloGen = gen;
        this.#peerMaxChunk = f.maxChunkSize;
        void this.sendQuiet(this.#hello());
        return;
      case 'resume_from':
        this.#resumeFrom(f.index, gen);
        return;
      case 'ack':
        if (f.next > this.#highestSent + 1 || f.next < 0) {
          this.#protocolError(HypersendError.badFrame(`ACK ${f.next} beyond what was sent`));
          return;
        }
        if (f.next > this.#acked) {
          this.#acked = f.next;
          this.#wake.notify();
          if (this.#source.kind === 'files') this.meter.update(bytesBefore(this.#source.layout, f.next));
          else this.meter.update(f.next * this.#chunkSize);
        }
        return;
      case 'done':
        this.#onDone(f.chunkCount);
        return;
      case 'cancel':
        void this.fail(cancelledError('remote', f.reason, f.message), undefined);
        return;
      case 'error':
        void this.fail(remoteError(f.code, f.message), undefined);
        return;
      case 'chunk':
        this.#protocolError(HypersendError.badFrame('unexpected CHUNK at the sender'));
        return;
      default:
        assertNever(f);
    }
  }

  #hello(): Frame {
    return {
      type: 'hello',
      maxVersion: FRAME_VERSION,
      maxChunkSize: this.#chunkSize,
      capabilities: 0,
      transferId: this.transferId,
    };
  }

  #protocolError(err: HypersendError): void {
    void this.fail(err, { type: 'error', code: err.code, message: err.message });
  }

  #resumeFrom(k: number, gen: number): void {
    if (this.#helloGen !== gen) {
      this.#protocolError(HypersendError.badFrame('RESUME_FROM before HELLO'));
      return;
    }
    const channel = this.channel;
    if (!channel) return;
    const count = this.#source.kind === 'files' ? this.#source.layout.chunkCount : undefined;
    if (count !== undefined && k > count) {
      this.#protocolError(HypersendError.badFrame(`RESUME_FROM ${k} past the end`));
      return;
    }
    if (this.#sentUnknown) {
      // The previous process sent at least 0..k-1 (the receiver has them); count resends from here.
      this.#sentUnknown = false;
      this.#highestSent = k - 1;
    }
    if (k > this.#highestSent + 1) {
      this.#protocolError(HypersendError.badFrame(`RESUME_FROM ${k} past what was sent`));
      return;
    }
    // RESUME_FROM k says "0..k-1 are durable here": a cumulative ACK, possibly lower than an
    // earlier one (a receiver restarted from an older record) — honour it either way.
    this.#acked = k;
    const pumpGen = { chan: gen, id: ++this.#pumpId }; // a newer RESUME_FROM supersedes a running pump
    void channel.path?.().then((p) => {
      this.meter.path = p;
    });
    const source = this.#source;
    const host = this.#pumpHost(pumpGen);
    const run = this.#checkFrameLimit(channel).then(() =>
      source.kind === 'files'
        ? pumpFiles(host, k, channel, source, { readAhead: this.#readAhead, chunkSize: this.#chunkSize })
        : pumpStream(host, k, channel, source),
    );
    run.catch((e: unknown) => {
      // The channel went away under us: its onClose follows, then a new channel resumes.
      if (e === CHANNEL_GONE || !this.#live(pumpGen)) return;
      const err = localError(e);
      void this.fail(err, goodbyeFor(err));
    });
  }

  /** Chunks that do not fit the channel would be refused frame by frame: say so once, up front. */
  async #checkFrameLimit(channel: FrameChannel): Promise<void> {
    const limit = await channel.maxFrameBytes?.();
    if (limit === undefined) return;
    this.#ownMaxChunk = negotiateChunkSize(MAX_CHUNK_SIZE, MAX_CHUNK_SIZE, limit - CHUNK_FRAME_OVERHEAD);
    if (this.#chunkSize + CHUNK_FRAME_OVERHEAD > limit)
      throw new HypersendError(
        'unsupported',
        `chunks of ${this.#chunkSize} bytes do not fit this channel's ${limit}-byte messages`,
      );
  }

  #noteSent(i: number): void {
    this.#sentCount++;
    if (i <= this.#highestSent) this.#resent++;
    else this.#highestSent = i;
    this.firstChunkAt ??= performance.timeOrigin + performance.now();
  }

  #live(g: PumpGen): boolean {
    return this.isLive(g.chan) && g.id === this.#pumpId;
  }

  async #waitWindow(i: number, gen: PumpGen): Promise<boolean> {
    while (this.#live(gen) && i - this.#acked >= this.#windowChunks) await this.#wake.wait();
    return this.#live(gen);
  }

  /** The pump's view of this sender for one run (see chunk-pump.ts). */
  #pumpHost(gen: PumpGen): PumpHost {
    const pacer = this.#pacer;
    return {
      waitWindow: (index) => this.#waitWindow(index, gen),
      live: () => this.#live(gen),
      ...(pacer === undefined ? {} : { pace: (bytes: number) => pacer.take(bytes) }),
      seal: (index, final, plain) => sealChunkFrame(this.#ctx, index, final, plain),
      noteSent: (index) => this.#noteSent(index),
    };
  }

  #onDone(chunkCount: number): void {
    const src = this.#source;
    const expected = src.kind === 'files' ? src.layout.chunkCount : src.ended ? src.produced : -1;
    if (chunkCount !== expected || this.#highestSent + 1 !== expected) {
      this.#protocolError(HypersendError.badFrame(`DONE ${chunkCount} does not match ${expected}`));
      return;
    }
    this.#acked = expected;
    void this.succeed(
      {
        transferId: this.transferId,
        bytes: src.kind === 'files' ? bytesBefore(src.layout, expected) : src.bytes,
        chunkCount: expected,
        sentChunks: this.#sentCount,
        resentChunks: this.#resent,
        connections: this.connections,
      },
      true,
    );
  }
}

function assertNever(x: never): never {
  throw new Error(`unexpected ${JSON.stringify(x)}`);
}
