// What TransferSender and TransferReceiver share: channel attachment with reconnects, terminal
// states, the result promise, and best-effort goodbye frames.
import { HypersendError } from '../errors.ts';
import { TypedEmitter } from '../webrtc/typed-emitter.ts';
import type { FrameChannel } from './frame-channel.ts';
import { encodeFrame, type Frame } from './framing.ts';
import {
  cancelledError,
  keepsResumeState,
  ProgressMeter,
  type TransferEvents,
  type TransferResult,
} from './transfer-events.ts';

/** Options common to both ends. */
export interface EngineOptions {
  /**
   * How long a transfer waits for a new channel after its channel closed before failing with the
   * channel's error (or `peer_closed`). Default 60 s. The connection layer decides in that time
   * whether to reconnect, restart ICE or fall back to the relay.
   */
  reconnectTimeoutMs?: number;
}

/** Internal base; not exported from the package. */
export abstract class EngineBase extends TypedEmitter<TransferEvents> {
  /** Resolves on `done`, rejects on `error` (also emitted as events). */
  readonly result: Promise<TransferResult>;
  protected channel: FrameChannel | undefined;
  /** Bumped on every attach and disconnect: async loops of an older generation stop. */
  protected gen = 0;
  protected connections = 0;
  protected state: 'active' | 'done' | 'failed' = 'active';
  protected meter: ProgressMeter;
  #unsubs: Array<() => void> = [];
  #settle!: { resolve: (r: TransferResult) => void; reject: (e: HypersendError) => void };
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #reconnectMs: number;

  protected constructor(total: number | undefined, o: EngineOptions) {
    super();
    this.#reconnectMs = o.reconnectTimeoutMs ?? 60_000;
    this.result = new Promise<TransferResult>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    this.result.catch(() => undefined); // also an `error` event: never an unhandled rejection
    this.meter = new ProgressMeter(total, (p) => this.emit('progress', p));
  }

  /** True until `done` or `error`. */
  get active(): boolean {
    return this.state === 'active';
  }

  /**
   * Use `channel` for this transfer: the first connection, or a new one after `disconnected`
   * (new PeerSession, or the relay later). The engine closes it when the transfer ends.
   *
   * @example
   * transfer.attach(peerSessionChannel(session));
   */
  attach(channel: FrameChannel): void {
    if (!this.active) {
      channel.close();
      return;
    }
    this.#detach();
    clearTimeout(this.#reconnectTimer);
    this.channel = channel;
    this.gen++;
    this.connections++;
    const gen = this.gen;
    this.#unsubs.push(
      channel.onFrame((f) => {
        if (gen === this.gen && this.active) this.onFrame(f, gen);
      }),
      channel.onClose((err, byPeer) => {
        if (gen === this.gen) this.#onClosed(err, byPeer === true);
      }),
    );
    this.onAttach(channel, gen);
  }

  /**
   * Stop now but keep everything a later resume needs (sender record, receiver `.part` and
   * progress record); the peer is not sent a goodbye frame (the connection layer tells it, e.g. a
   * resumable `cancel` control). Fails with `cancelled` (`by: 'local'`, `reason: 'interrupted'`).
   * Unlike a lost connection, no reconnect timer is left running that could later end the
   * transfer for good.
   *
   * @example
   * process.once('SIGINT', () => transfer.interrupt());
   */
  interrupt(): void {
    void this.fail(cancelledError('local', 'interrupted'), undefined);
  }

  protected abstract onFrame(frame: Uint8Array, gen: number): void;
  protected abstract onAttach(channel: FrameChannel, gen: number): void;
  /**
   * Release files and records; `ok` says whether the transfer completed. When `err` is resumable
   * ({@link keepsResumeState}) the resume state must survive.
   */
  protected abstract cleanup(ok: boolean, err?: HypersendError): Promise<void>;
  /** Streams cannot resume: a lost channel fails them. */
  protected abstract canResume(): boolean;

  protected isLive(gen: number): boolean {
    return this.active && gen === this.gen;
  }

  /** Best-effort send that never throws (goodbye frames, acks on a dying channel). */
  protected sendQuiet(frame: Frame, channel = this.channel): Promise<void> {
    if (!channel) return Promise.resolve();
    return channel.send(encodeFrame(frame)).catch(() => undefined);
  }

  #onClosed(err: HypersendError | undefined, byPeer = false): void {
    this.#detach();
    this.channel = undefined;
    this.gen++;
    this.onDisconnect();
    if (!this.active) return;
    const lost = err ?? new HypersendError('peer_closed', 'channel closed before the transfer finished');
    if (!this.canResume()) {
      void this.fail(lost, undefined);
      return;
    }
    this.emit('disconnected', err, byPeer);
    this.#reconnectTimer = setTimeout(() => void this.fail(lost, undefined), this.#reconnectMs);
    this.#reconnectTimer.unref?.();
  }

  /**
   * Give up on the current channel as if it had closed with `err` (→ `disconnected` and the
   * reconnect window, or failure for a stream), and close it.
   */
  protected abandonChannel(err: HypersendError): void {
    const channel = this.channel;
    if (!channel) return;
    this.#onClosed(err); // detaches first: the channel's own close event then reaches no one
    channel.close();
  }

  /** Hook: the channel went away (wake waiting loops). */
  protected onDisconnect(): void {}

  /**
   * End with an error. `goodbye` is sent to the peer first (CANCEL or ERROR), then the channel
   * is closed after a short grace period so the frame can leave.
   */
  protected async fail(err: HypersendError, goodbye: Frame | undefined): Promise<void> {
    if (!this.active) return;
    this.state = 'failed';
    this.gen++;
    this.onDisconnect();
    clearTimeout(this.#reconnectTimer);
    const channel = this.channel;
    if (goodbye && channel) await this.sendQuiet(goodbye, channel);
    this.#closeLater(channel);
    await this.cleanup(false, err).catch(() => undefined);
    this.emit('error', err);
    this.#settle.reject(err);
  }

  protected async succeed(result: TransferResult, closeChannel: boolean): Promise<void> {
    if (!this.active) return;
    this.state = 'done';
    this.gen++;
    clearTimeout(this.#reconnectTimer);
    if (closeChannel) this.#closeLater(this.channel);
    await this.cleanup(true).catch(() => undefined);
    this.meter.update(result.bytes, true);
    this.emit('done', result);
    this.#settle.resolve(result);
  }

  #closeLater(channel: FrameChannel | undefined): void {
    this.#detach();
    if (!channel) return;
    // A data channel may drop frames still buffered at close(); give the goodbye time to leave.
    const t = setTimeout(() => channel.close(), 250);
    t.unref?.();
  }

  #detach(): void {
    for (const u of this.#unsubs.splice(0)) u();
  }
}
