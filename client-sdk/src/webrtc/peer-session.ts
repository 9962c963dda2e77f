import SimplePeer from 'simple-peer';
import { FrameSender, type Watermarks } from './frame-sender.ts';
import { IceWatchdog } from './ice-watchdog.ts';
import { PeerError } from './peer-error.ts';
import { pathFromStats } from './selected-path.ts';
import { BYE, BYE_ACK, sessionMessageKind } from './session-messages.ts';
import { decodeSignal, encodeSignal } from './signal-codec.ts';
import { fromSimplePeerError, pickWrtc, toSimplePeer } from './simple-peer-adapter.ts';
import { TypedEmitter } from './typed-emitter.ts';
import type {
  PeerLogger,
  PeerPath,
  SignalData,
  SignalTransport,
  WebRtcImplementation,
} from './webrtc-types.ts';

/**
 * SCTP stream id of the file channel. Negotiated out of band (both ends create it with this id)
 * because an in-band channel would arrive through `ondatachannel`, which simple-peer owns on the
 * answering side. Far above simple-peer's own channel (stream 0 or 1).
 */
export const FILE_CHANNEL_ID = 100;

/**
 * Backpressure defaults, measured with `bench/src/peer-session-throughput.ts` (two processes,
 * loopback, 64 KiB frames, a shared 2-core box): high marks of 1-8 MiB with 2-5 ms polling were
 * all within noise of each other; 256 KiB cost 10-20%; 1 ms polling was slower than 5 ms (the
 * wake-ups compete for the CPU); a 16 MiB high mark overflows libwebrtc's 16 MiB send buffer,
 * which closes the channel. 4 MiB buffers ~70 ms at 60 MB/s, ample against 5 ms polling.
 */
export const DEFAULT_WATERMARKS: Watermarks = { highWatermark: 4 << 20, lowWatermark: 1 << 20, pollMs: 5 };

/**
 * How long either end of a goodbye waits for the other before closing the connection anyway.
 * Generous on purpose: a peer whose thread is starved (a loaded 2-core CI run once took over 1 s
 * to answer) must not have the connection pulled from under a send. Nobody waits on it: `close`
 * is emitted at once and the timer does not hold the process open.
 */
export const CLOSE_GRACE_MS = 3000;

/** Used when the SCTP transport does not report `maxMessageSize`: the interoperable floor. */
const FALLBACK_MAX_MESSAGE_SIZE = 64 * 1024;
const MAX_HIGH_WATERMARK = 12 << 20;

/** Options of {@link PeerSession}. */
export interface PeerSessionOptions {
  /** Exactly one side is the initiator: it makes the offers. */
  initiator: boolean;
  /** Signals to and from the peer, already scoped to this session's `sid`. */
  signal: SignalTransport;
  /** WebRTC implementation: `globalThis` in browsers, `nodeWebRtc` (wrtc-node.ts) in Node. */
  wrtc: WebRtcImplementation;
  /** STUN/TURN servers (TURN credentials come from signaling). Default: none, host candidates only. */
  iceServers?: RTCIceServer[];
  /** Only use TURN relay candidates (`iceTransportPolicy: 'relay'`): hides the IP addresses. */
  turnOnly?: boolean;
  /** Backpressure tuning; defaults to {@link DEFAULT_WATERMARKS}. */
  watermarks?: Partial<Watermarks>;
  /** How long ICE may stay disconnected or failed before `peer_connection_failed`. Default 5000. */
  failureTimeoutMs?: number;
  /** How long to wait for `connect` before `peer_connect_timeout`. Default 30000. */
  connectTimeoutMs?: number;
  log?: PeerLogger;
}

/**
 * Why a session closed: `local` — {@link PeerSession.close} here; `peer` — the peer closed it
 * (its goodbye arrived); `lost` — the connection went away without a goodbye (an error, ICE
 * failure, the peer's process or network gone).
 */
export type PeerCloseReason = 'local' | 'peer' | 'lost';

/** Events of {@link PeerSession}. A fatal `error` is always followed by `close`. */
export type PeerSessionEvents = {
  /** Negotiation done and the file channel open: `send` may be called. */
  connect: () => void;
  /** One frame from the peer's file channel, in order. */
  message: (frame: Uint8Array<ArrayBuffer>) => void;
  iceStateChange: (state: RTCIceConnectionState) => void;
  error: (err: PeerError) => void;
  /** Emitted once, whoever closed and why. */
  close: (reason: PeerCloseReason) => void;
};

type State = 'connecting' | 'connected' | 'closed';

/**
 * One WebRTC connection to one peer device. simple-peer negotiates (trickle ICE over the injected
 * {@link SignalTransport}); file frames travel on a separate negotiated data channel driven
 * directly, because simple-peer's stream layer reaches only ~40% of the raw channel rate
 * (64 KiB buffer ceiling, 150 ms polling).
 *
 * @example
 * const session = new PeerSession({ initiator: true, signal, wrtc: nodeWebRtc, iceServers });
 * session.on('message', (frame) => sink.write(frame));
 * session.on('error', (e) => e.code === 'peer_connection_failed' && fallBackToRelay());
 * await session.ready;
 * for (const frame of frames) await session.send(frame);
 * session.close();
 */
export class PeerSession extends TypedEmitter<PeerSessionEvents> {
  /** Resolves on `connect`; rejects with the error (or `peer_closed`) if that never happens. */
  readonly ready: Promise<void>;
  private readonly peer: SimplePeer.Instance;
  private readonly pc: RTCPeerConnection;
  private readonly channel: RTCDataChannel;
  private readonly writer: FrameSender;
  private readonly watchdog: IceWatchdog;
  private readonly marks: Watermarks;
  private readonly unsubscribeSignal: () => void;
  private readonly connectTimer: ReturnType<typeof setTimeout>;
  private state: State = 'connecting';
  private peerConnected = false;
  private channelOpen = false;
  private maxMessage = FALLBACK_MAX_MESSAGE_SIZE;
  private settleReady: { resolve: () => void; reject: (e: PeerError) => void } | undefined;
  /** The initiator's ICE restart in flight, and the one queued behind it (see restartIce). */
  private restartRunning: Promise<void> | undefined;
  private restartNext: Promise<void> | undefined;
  /** Set once the channel and connection are closed (after the goodbye, if any). */
  private released = false;
  /** We sent BYE: the peer's BYE_ACK (or its closing the channel) lets us close. */
  private saidBye = false;
  private graceTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly opts: PeerSessionOptions) {
    super();
    this.marks = { ...DEFAULT_WATERMARKS, ...opts.watermarks };
    if (
      !(this.marks.lowWatermark < this.marks.highWatermark && this.marks.highWatermark <= MAX_HIGH_WATERMARK)
    ) {
      throw new RangeError(`watermarks must satisfy low < high <= ${MAX_HIGH_WATERMARK}`);
    }
    this.ready = new Promise<void>((resolve, reject) => {
      this.settleReady = { resolve, reject };
    });
    this.ready.catch(() => {}); // the rejection is also an `error`/`close` event; never unhandled

    // simple-peer creates the RTCPeerConnection itself; a capturing constructor hands us the same
    // object without reaching into simple-peer's private `_pc`.
    let captured: RTCPeerConnection | undefined;
    const Base = opts.wrtc.RTCPeerConnection;
    const Capturing = function CapturingPeerConnection(config?: RTCConfiguration): RTCPeerConnection {
      captured = new Base(config);
      return captured;
    } as unknown as typeof RTCPeerConnection;

    const config: RTCConfiguration = {
      // Always set: simple-peer would otherwise fall back to public Google STUN servers.
      iceServers: opts.iceServers ?? [],
      iceTransportPolicy: opts.turnOnly ? 'relay' : 'all',
    };
    this.peer = new SimplePeer({
      initiator: opts.initiator,
      trickle: true,
      config,
      wrtc: { ...pickWrtc(opts.wrtc), RTCPeerConnection: Capturing },
    });
    if (!captured)
      throw new PeerError('webrtc_unsupported', 'the WebRTC implementation created no peer connection');
    this.pc = captured;

    this.channel = this.pc.createDataChannel('hypersend-file', {
      negotiated: true,
      id: FILE_CHANNEL_ID,
      ordered: true,
    });
    this.channel.binaryType = 'arraybuffer';
    this.writer = new FrameSender(this.channel, this.marks);
    this.watchdog = new IceWatchdog(opts.failureTimeoutMs ?? 5000, (state) =>
      this.teardown(PeerError.connectionFailed(state, opts.failureTimeoutMs ?? 5000)),
    );
    this.connectTimer = setTimeout(
      () => this.teardown(new PeerError('peer_connect_timeout', 'peer did not connect in time')),
      opts.connectTimeoutMs ?? 30_000,
    );
    unref(this.connectTimer);

    this.wirePeer();
    this.wireChannel();
    this.pc.addEventListener('iceconnectionstatechange', () => {
      if (this.state === 'closed') return;
      const s = this.pc.iceConnectionState;
      this.emit('iceStateChange', s);
      this.watchdog.update(s);
    });
    this.unsubscribeSignal = opts.signal.onSignal((kind, data) => this.onSignal(kind, data));
  }

  /** True between `connect` and `close`. */
  get connected(): boolean {
    return this.state === 'connected';
  }

  /** Largest frame `send` accepts: the SCTP transport's `maxMessageSize`, known once connected. */
  get maxMessageSize(): number {
    return this.maxMessage;
  }

  /** The file channel's current `bufferedAmount`. */
  get bufferedAmount(): number {
    return this.state === 'closed' ? 0 : this.channel.bufferedAmount;
  }

  /** Largest `bufferedAmount` seen right after a send; at most `highWatermark` + one frame. */
  get maxObservedBuffered(): number {
    return this.writer.maxObservedBuffered;
  }

  /** Effective backpressure settings. */
  get watermarks(): Readonly<Watermarks> {
    return this.marks;
  }

  /**
   * Send one frame on the file channel (ordered, reliable). Resolves once the frame is handed to
   * the channel, immediately while its buffer is under the high watermark: awaiting each call is
   * the backpressure. A frame must not start with a zero byte: that marks the session's own
   * messages (client-sdk/FORMAT.md §6). Rejects with `peer_not_connected`, `frame_too_large`,
   * `frame_reserved`, `peer_closed` or `data_channel_error`.
   */
  send(frame: Uint8Array): Promise<void> {
    if (this.state === 'closed') return Promise.reject(PeerError.closed());
    if (this.state !== 'connected') {
      return Promise.reject(new PeerError('peer_not_connected', 'send before connect'));
    }
    if (frame.byteLength > this.maxMessage) {
      return Promise.reject(PeerError.frameTooLarge(frame.byteLength, this.maxMessage));
    }
    if (frame[0] === 0) {
      return Promise.reject(
        new PeerError('frame_reserved', 'a frame must not start with a zero byte (session messages do)'),
      );
    }
    // Data channels cannot send views of a SharedArrayBuffer; frames here are never shared.
    return this.writer.send(frame as Uint8Array<ArrayBuffer>);
  }

  /** Path of the selected candidate pair: `'turn'` if either end is a relay candidate. */
  async selectedPath(): Promise<PeerPath> {
    if (this.state === 'closed') throw PeerError.closed();
    const path = pathFromStats(await this.pc.getStats());
    if (!path) throw new PeerError('peer_not_connected', 'no selected candidate pair yet');
    return path;
  }

  /**
   * Restart ICE (new credentials, fresh candidates) without dropping the data channels: after a
   * network change, or while ICE is `disconnected`. The initiator sends a restart offer and
   * resolves once it is answered; the other side asks the initiator to do so (a `renegotiate`
   * signal with `iceRestart: true`) and resolves once asked.
   *
   * Restarts never overlap. Both ends renew TURN credentials at about the same moment, so the
   * initiator's own restart and the answerer's request routinely coincide; two offers in flight
   * would get two answers, and the second one lands in `stable` and kills the connection. A call
   * while a restart is in flight waits for it and then runs one more (its ICE servers may be newer
   * than that offer); calls while that one waits share it.
   */
  restartIce(): Promise<void> {
    if (this.state === 'closed') return Promise.reject(PeerError.closed());
    if (!this.opts.initiator) {
      this.opts.signal.send('renegotiate', { type: 'renegotiate', renegotiate: true, iceRestart: true });
      return Promise.resolve();
    }
    if (!this.restartRunning) return this.startRestart();
    this.restartNext ??= this.restartRunning
      .catch(() => {})
      .then(() => {
        this.restartNext = undefined;
        return this.startRestart();
      });
    return this.restartNext;
  }

  private startRestart(): Promise<void> {
    const running = this.offerIceRestart().finally(() => {
      if (this.restartRunning === running) this.restartRunning = undefined;
    });
    this.restartRunning = running;
    return running;
  }

  private async offerIceRestart(): Promise<void> {
    if (this.isClosed()) throw PeerError.closed();
    try {
      await this.whenStable();
      // simple-peer has no ICE-restart API; an offer made here is answered through it as usual.
      const offer = await this.pc.createOffer({ iceRestart: true });
      await this.pc.setLocalDescription(offer);
      const sdp = this.pc.localDescription?.sdp ?? offer.sdp ?? '';
      if (this.isClosed()) throw PeerError.closed();
      this.opts.signal.send('offer', { type: 'offer', sdp });
      await this.whenStable(); // the answer has been applied
    } catch (cause) {
      if (cause instanceof PeerError) throw cause;
      throw new PeerError('peer_negotiation_failed', 'ICE restart failed', { cause });
    }
  }

  /**
   * Replace the STUN/TURN servers (e.g. fresh TURN credentials) for candidates gathered from now
   * on. Existing allocations keep their old credentials until an ICE restart ({@link restartIce}),
   * which is what moves a relayed path onto the new ones. The turn-only policy is kept.
   *
   * @example
   * session.setIceServers(fresh.iceServers);
   * await session.restartIce();
   */
  setIceServers(iceServers: RTCIceServer[]): void {
    if (this.state === 'closed') throw PeerError.closed();
    this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers });
  }

  /**
   * Close the session: `close` is emitted at once, and the peer sees the session end. Idempotent.
   *
   * A connected session says goodbye first: BYE on the file channel; the peer stops sending,
   * answers BYE_ACK and sends nothing more; only then is the connection closed (or after
   * {@link CLOSE_GRACE_MS}). The reason is a race in `@roamhq/wrtc`: a channel closed by the
   * remote end is released on a native thread while the JavaScript thread may be inside `send()`,
   * which then dereferences a null pointer and kills the process (SIGSEGV in
   * `RTCDataChannel::Send`, seen in core dumps here). With the handshake, neither end is sending
   * when the connection goes away.
   *
   * `goodbye: false` closes without a word, for a session being replaced because its peer has
   * already moved on to a new one (it sends nothing more on this one, and a BYE sent into a
   * connection its peer has just closed would run into that very race).
   */
  close(opts: { goodbye?: boolean } = {}): void {
    if (this.state === 'closed') return;
    const goodbye =
      opts.goodbye !== false && this.state === 'connected' && this.channel.readyState === 'open';
    this.end(undefined, 'local');
    if (goodbye && this.sendQuiet(BYE)) {
      this.saidBye = true;
      this.releaseAfterGrace();
    } else this.release();
  }

  private wirePeer(): void {
    this.peer.on('signal', (sig: SimplePeer.SignalData) => {
      if (this.state === 'closed') return;
      const out = encodeSignal(sig);
      if (out) this.opts.signal.send(out.kind, out.data);
    });
    this.peer.on('connect', () => {
      this.peerConnected = true;
      this.maybeConnected();
    });
    this.peer.on('error', (err: Error) => this.teardown(fromSimplePeerError(err)));
    this.peer.on('close', () => this.teardown(undefined));
  }

  private wireChannel(): void {
    this.channel.addEventListener('open', () => {
      this.channelOpen = true;
      this.maybeConnected();
    });
    this.channel.addEventListener('message', (ev: MessageEvent<unknown>) => {
      if (this.released) return;
      if (!(ev.data instanceof ArrayBuffer)) {
        this.opts.log?.warn({ type: typeof ev.data }, 'ignoring non-binary message on the file channel');
        return;
      }
      const kind = sessionMessageKind(ev.data);
      if (kind === 'frame') {
        if (this.state !== 'closed') this.emit('message', new Uint8Array(ev.data));
      } else if (kind === 'bye') this.onBye();
      else if (kind === 'bye-ack') {
        if (this.saidBye) this.release();
      } else this.opts.log?.warn({ bytes: ev.data.byteLength }, 'ignoring an unknown session message');
    });
    // The peer closing its end (or its whole connection) closes ours: the session is over. While
    // our own goodbye waits for an answer, this is the answer.
    this.channel.addEventListener('close', () => this.teardown(undefined, 'lost'));
    this.channel.addEventListener('error', (ev: Event) => {
      const cause = 'error' in ev ? ev.error : undefined;
      this.teardown(new PeerError('data_channel_error', 'file data channel error', { cause }));
    });
  }

  private maybeConnected(): void {
    if (this.state !== 'connecting' || !this.peerConnected || !this.channelOpen) return;
    this.state = 'connected';
    clearTimeout(this.connectTimer);
    const reported = this.pc.sctp?.maxMessageSize;
    // 0 or a missing transport means "unknown": stay at the floor every implementation accepts.
    if (reported !== undefined && reported > 0) this.maxMessage = reported;
    this.settleReady?.resolve();
    this.emit('connect');
  }

  private onSignal(kind: Parameters<SignalTransport['send']>[0], data: SignalData): void {
    if (this.state === 'closed') return;
    const sig = decodeSignal(kind, data);
    if (!sig) {
      // Dropped, not fatal: a stray or hostile frame must not tear down a working connection.
      this.opts.log?.warn({ kind }, 'dropping malformed signal');
      return;
    }
    if (sig.kind === 'renegotiate' && sig.data.iceRestart) {
      if (this.opts.initiator) {
        this.restartIce().catch((err: unknown) => this.opts.log?.warn({ err }, 'ICE restart failed'));
      }
      return;
    }
    if (sig.kind === 'answer' && this.pc.signalingState === 'stable') {
      // An answer is only valid to an offer of ours still open; a late duplicate must not be
      // applied (libwebrtc rejects it, and simple-peer would tear the connection down).
      this.opts.log?.warn({ kind }, 'dropping an answer that arrived with no offer outstanding');
      return;
    }
    try {
      this.peer.signal(toSimplePeer(sig));
    } catch (err) {
      this.teardown(fromSimplePeerError(err instanceof Error ? err : new Error(String(err))));
    }
  }

  private whenStable(): Promise<void> {
    if (this.pc.signalingState === 'stable') return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pc.removeEventListener('signalingstatechange', check);
        reject(new PeerError('peer_negotiation_failed', 'negotiation did not settle'));
      }, 10_000);
      const check = (): void => {
        if (this.pc.signalingState !== 'stable' && this.state !== 'closed') return;
        clearTimeout(timer);
        this.pc.removeEventListener('signalingstatechange', check);
        if (this.state === 'closed') reject(PeerError.closed());
        else resolve();
      };
      this.pc.addEventListener('signalingstatechange', check);
    });
  }

  // A method, not an inline comparison: TypeScript keeps a narrowed `state` across awaits.
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  /**
   * End the session (if it has not ended) and close the connection now. After a local `close`
   * this is how the goodbye's answer, or any failure during the grace, releases the connection.
   */
  private teardown(err: PeerError | undefined, reason: PeerCloseReason = 'lost'): void {
    if (this.state !== 'closed') this.end(err, reason);
    this.release();
  }

  /** The session is over for its users: nothing more is sent, received or emitted after `close`. */
  private end(err: PeerError | undefined, reason: PeerCloseReason): void {
    this.state = 'closed';
    clearTimeout(this.connectTimer);
    this.watchdog.stop();
    this.unsubscribeSignal();
    this.writer.fail(err ?? PeerError.closed());
    this.settleReady?.reject(err ?? PeerError.closed());
    if (err) this.emit('error', err);
    this.emit('close', reason);
  }

  /** Close the channel and the connection. Idempotent. */
  private release(): void {
    if (this.released) return;
    this.released = true;
    clearTimeout(this.graceTimer);
    try {
      this.channel.close();
    } catch {
      // already closed by the peer
    }
    this.peer.destroy();
  }

  /**
   * The peer is closing: stop, answer, and leave the closing to it (it waits for our answer, and
   * closing first would pull the channel from under a BYE it may be sending us right now).
   */
  private onBye(): void {
    if (this.state !== 'closed') this.end(undefined, 'peer');
    this.sendQuiet(BYE_ACK);
    this.releaseAfterGrace();
  }

  private releaseAfterGrace(): void {
    if (this.graceTimer !== undefined) return;
    this.graceTimer = setTimeout(() => this.release(), CLOSE_GRACE_MS);
    unref(this.graceTimer);
  }

  /** A session message, past the writer (which has refused everything by now); false if refused. */
  private sendQuiet(message: Uint8Array<ArrayBuffer>): boolean {
    try {
      this.channel.send(message);
      return true;
    } catch {
      return false;
    }
  }
}

function unref(timer: ReturnType<typeof setTimeout>): void {
  // Node timers have unref(); browser timer ids are numbers. A pending connect deadline alone
  // must not keep a Node process alive.
  (timer as { unref?: () => void }).unref?.();
}
