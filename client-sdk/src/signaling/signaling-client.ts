// The signaling connection of one device: connect and reconnect, requests matched to answers,
// and server frames turned into typed events. Wire codec, close policy and heartbeat live beside it.
import type { ChatClientMessage, ClientMessage, DeviceAddress, SignalKind } from '@hypersend/protocol';
import { serverError } from '../api/http-error.ts';
import { type Clock, type Logger, silentLogger, systemClock, type TimerHandle } from '../api/runtime.ts';
import { HypersendError } from '../errors.ts';
import { Emitter } from '../events.ts';
import { backoffDelay } from './backoff.ts';
import { afterClose } from './close-policy.ts';
import { IdleHeartbeat } from './idle-heartbeat.ts';
import { PendingRequests } from './pending-requests.ts';
import { decodeServerFrame, encodeRequest } from './signaling-frames.ts';
import type {
  SignalingClientOptions,
  SignalingEvents,
  SignalingState,
  WsCredential,
} from './signaling-types.ts';
import { dialSignaling } from './socket-dial.ts';
import { type WebSocketLike, WS_OPEN } from './websocket-like.ts';

// Moved to signaling-types.ts; re-exported so existing imports of this module keep working.
export type {
  IncomingSignal,
  SignalingClientOptions,
  SignalingEvents,
  SignalingState,
  WsCredential,
} from './signaling-types.ts';

/**
 * The signaling connection of one device: a WebSocket to `/v1/ws` authenticated in
 * `Sec-WebSocket-Protocol` (`hypersend.v1, bearer.<jwt>` or `ticket.<t>`), every server frame
 * validated with `ServerMessage`, promise-based requests matched by id, typed events, an
 * app-level ping when idle, and reconnects with exponential backoff and full jitter (honouring
 * the server's `reconnect{afterMs}`). A fresh credential is fetched for every attempt. After
 * close 4001 (this device connected elsewhere) it emits `replaced` and stays closed.
 *
 * @example
 * const sig = new SignalingClient({ url: `${wsBase}/v1/ws`, deviceId, WebSocket,
 *   credential: async () => ({ kind: 'bearer', value: await session.token() }) });
 * sig.on('signal', (s) => peer.handle(s));
 * await sig.connect();
 * await sig.sendSignal({ user: bobId, device: bobDevice }, 'offer', 'sess1', { sdp });
 */
export class SignalingClient extends Emitter<SignalingEvents> {
  private stateValue: SignalingState = 'idle';
  private ws: WebSocketLike | undefined;
  private generation = 0;
  private attempt = 0;
  private freshCredential = false;
  private reconnectAfterMs: number | undefined;
  private retryTimer: TimerHandle | undefined;
  private readonly heartbeat: IdleHeartbeat;
  private waiters: Array<{ resolve(): void; reject(err: HypersendError): void }> = [];
  private readonly pending: PendingRequests;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly requestTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly random: () => number;

  constructor(private readonly options: SignalingClientOptions) {
    super();
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? silentLogger;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.random = options.random ?? Math.random;
    this.pending = new PendingRequests(this.clock);
    this.heartbeat = new IdleHeartbeat(this.clock);
  }

  /** Current state: `open` only between the server's `hello` and the next close. */
  get state(): SignalingState {
    return this.stateValue;
  }

  /**
   * Connect, retrying with backoff until the server says `hello`. Resolves on the first `hello`;
   * rejects when connecting becomes pointless: `replaced`, `session_expired`, a refused upgrade
   * that retrying cannot fix (400/403), or `close()`.
   *
   * @example
   * await signaling.connect();
   */
  connect(): Promise<void> {
    if (this.stateValue === 'open') return Promise.resolve();
    const promise = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (this.stateValue === 'idle' || this.stateValue === 'closed') {
      this.attempt = 0;
      void this.open();
    }
    return promise;
  }

  /**
   * Close for good (no reconnect). Pending requests fail with `not_connected`.
   *
   * @example
   * signaling.close();
   */
  close(): void {
    if (this.stateValue === 'closed' || this.stateValue === 'idle') {
      this.stateValue = 'closed';
      return;
    }
    const wasOpen = this.stateValue === 'open';
    this.stateValue = 'closed';
    this.generation += 1;
    this.clearTimers();
    const ws = this.ws;
    this.ws = undefined;
    ws?.close(1000, 'client closing');
    this.pending.rejectAll(() => notConnected('connection closed'));
    this.settleWaiters(notConnected('closed before connecting'));
    if (wasOpen)
      this.emit('disconnected', { code: 1000, reason: 'client closing', reconnectInMs: undefined });
  }

  /**
   * Route a WebRTC signal to one device of a contact; resolves when the server handed it to that
   * device's connection (`ack`).
   *
   * @example
   * await signaling.sendSignal({ user: bob.userId, device: bobLaptop }, 'offer', sid, { type: 'offer', sdp });
   * @throws HypersendError `peer_offline` (contact, device not connected), `not_reachable` (not a
   *   contact or no such device), `key_changed` (blocked by the key directory), `not_connected`, `timeout`.
   */
  async sendSignal(
    to: DeviceAddress,
    kind: SignalKind,
    sid: string,
    data: Record<string, unknown>,
  ): Promise<void> {
    await this.options.beforeSend?.(to);
    await this.request<void>({ type: 'signal', to, kind, sid, data }, 'signal');
  }

  /**
   * Which devices of `users` (contacts' user ids) are online now; non-contacts count as offline.
   *
   * @example
   * const online = await signaling.presenceQuery([bob.userId]);
   */
  presenceQuery(users: string[]): Promise<DeviceAddress[]> {
    return this.request<DeviceAddress[]>({ type: 'presence.query', users }, 'presence.query');
  }

  /**
   * Application-level ping; resolves with the round-trip time in ms.
   *
   * @example
   * const rtt = await signaling.ping();
   */
  async ping(): Promise<number> {
    const start = this.clock.now();
    await this.request<void>({ type: 'ping' }, 'ping');
    return this.clock.now() - start;
  }

  /**
   * Send a chat frame and wait for its answer: `chat.sent` for `chat.send`, `chat.synced` for
   * `chat.sync`, an `ack` (resolves undefined) for the others. Prefer `client.chat`.
   *
   * @example
   * await signaling.chatRequest({ type: 'chat.typing', conversation: id });
   * @throws HypersendError with the server's code (`not_found`, `rate_limited`, ...), `not_connected`, `timeout`.
   */
  chatRequest<T = void>(frame: ChatClientMessage): Promise<T> {
    return this.request<T>(frame, frame.type);
  }

  private request<T>(frame: ClientMessage, what: string): Promise<T> {
    const ws = this.ws;
    if (this.stateValue !== 'open' || ws === undefined || ws.readyState !== WS_OPEN)
      return Promise.reject(notConnected(`${what}: signaling is not connected`));
    const { id, promise } = this.pending.open<T>(what, this.requestTimeoutMs);
    const text = encodeRequest(frame, id, what);
    if (text instanceof HypersendError) {
      this.pending.reject(id, text);
      return promise;
    }
    ws.send(text);
    this.heartbeat.sent();
    return promise;
  }

  private async open(): Promise<void> {
    const gen = ++this.generation;
    this.stateValue = 'connecting';
    let credential: WsCredential;
    try {
      credential = await this.options.credential({ fresh: this.freshCredential });
    } catch (err) {
      if (gen !== this.generation) return;
      if (HypersendError.is(err, 'session_expired', 'not_authenticated')) {
        this.stop(err);
        return;
      }
      this.log.warn({ code: HypersendError.is(err) ? err.code : 'unknown' }, 'no credential; will retry');
      this.retry(undefined);
      return;
    }
    if (gen !== this.generation) return;
    this.freshCredential = false;
    let helloDeadline: TimerHandle | undefined;
    let ws: WebSocketLike;
    try {
      ws = dialSignaling(this.options.WebSocket, this.options.url, this.options.deviceId, credential, {
        message: (data) => {
          if (gen === this.generation) this.onFrame(data);
        },
        close: (code, reason, refusedStatus) => {
          this.clock.clearTimeout(helloDeadline);
          if (gen === this.generation) this.onClose(code, reason, refusedStatus);
        },
      });
    } catch (err) {
      this.log.warn({ err: String(err) }, 'websocket constructor failed');
      this.retry(undefined);
      return;
    }
    this.ws = ws;
    helloDeadline = this.clock.setTimeout(() => {
      if (gen !== this.generation || this.stateValue === 'open') return;
      this.log.warn({ timeoutMs: this.connectTimeoutMs }, 'no hello in time');
      this.dropSocket(gen, 4000, 'connect timeout');
    }, this.connectTimeoutMs);
  }

  /** Give up on the current socket now (dead or stuck) and handle it as closed with `code`. */
  private dropSocket(gen: number, code: number, reason: string): void {
    if (gen !== this.generation) return;
    const ws = this.ws;
    this.generation += 1;
    try {
      ws?.close(code, reason);
    } catch {
      // Closing a socket that never opened can throw in some implementations; it is gone either way.
    }
    this.onClose(code, reason, undefined);
  }

  private onClose(code: number, reason: string, refusedStatus: number | undefined): void {
    const wasOpen = this.stateValue === 'open';
    this.ws = undefined;
    this.clearTimers();
    this.pending.rejectAll(() => notConnected('connection lost'));
    if (this.stateValue === 'closed') return;
    this.log.info({ code, reason, refusedStatus }, 'signaling connection closed');
    const next = afterClose({ code, refusedStatus, wasOpen, reconnectAfterMs: this.reconnectAfterMs });
    switch (next.kind) {
      case 'replaced':
        this.stateValue = 'closed';
        this.settleWaiters(new HypersendError('replaced', 'another connection of this device took over'));
        if (wasOpen) this.emit('disconnected', { code, reason, reconnectInMs: undefined });
        this.emit('replaced');
        return;
      case 'refused':
        this.emit('error', { error: next.error });
        this.stop(next.error);
        return;
      case 'retry': {
        if (next.freshCredential) this.freshCredential = true;
        this.reconnectAfterMs = undefined;
        const scheduled = this.retry(next.delayMs);
        if (wasOpen) this.emit('disconnected', { code, reason, reconnectInMs: scheduled });
        return;
      }
      default:
        assertNever(next);
    }
  }

  /** Schedule the next attempt (`delayMs`, or the next backoff step); returns the delay. */
  private retry(delayMs: number | undefined): number {
    const delay = delayMs ?? backoffDelay(this.attempt, this.options.backoff, this.random);
    this.attempt += 1;
    this.stateValue = 'waiting';
    this.log.debug({ delay, attempt: this.attempt }, 'reconnecting');
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = undefined;
      if (this.stateValue === 'waiting') void this.open();
    }, delay);
    // The clock's timers are unref'd so a reconnect never holds a finished app open; but while
    // someone awaits connect() the app is not finished, and with nothing else pending Node would
    // end the process with exit code 13 (an unsettled top-level await) instead of retrying.
    if (this.waiters.length > 0) refTimer(this.retryTimer);
    return delay;
  }

  private stop(err: HypersendError): void {
    this.stateValue = 'closed';
    this.generation += 1;
    this.clearTimers();
    this.settleWaiters(err);
  }

  private onFrame(data: unknown): void {
    this.heartbeat.received();
    const decoded = decodeServerFrame(data);
    if (!decoded.ok) {
      this.log.warn(decoded.issue === undefined ? {} : { issue: decoded.issue }, decoded.reason);
      return;
    }
    const msg = decoded.msg;
    switch (msg.type) {
      case 'hello':
        this.stateValue = 'open';
        this.attempt = 0;
        this.startHeartbeat(msg.heartbeatMs);
        this.settleWaiters(undefined);
        this.emit('connected', { user: msg.user, device: msg.device, heartbeatMs: msg.heartbeatMs });
        return;
      case 'signal':
        this.emit('signal', { from: msg.from, kind: msg.kind, sid: msg.sid, data: msg.data });
        return;
      case 'ack':
        this.pending.resolve(msg.ref, undefined);
        return;
      case 'pong':
        if (msg.ref !== undefined) this.pending.resolve(msg.ref, undefined);
        return;
      case 'presence':
        this.emit('presence', { user: msg.user, device: msg.device, state: msg.state });
        return;
      case 'presence.snapshot':
        if (msg.ref !== undefined) this.pending.resolve(msg.ref, msg.online);
        return;
      case 'error': {
        const err = serverError(0, msg.code, msg.message);
        if (msg.ref === undefined || !this.pending.reject(msg.ref, err)) this.emit('error', { error: err });
        return;
      }
      case 'reconnect':
        this.reconnectAfterMs = msg.afterMs;
        return;
      case 'chat.sent':
      case 'chat.synced':
        if (msg.ref === undefined || !this.pending.resolve(msg.ref, msg)) this.emit('chat', msg);
        return;
      case 'chat.message':
      case 'chat.receipt':
      case 'chat.typing':
      case 'chat.deleted':
        this.emit('chat', msg);
        return;
      case 'relay.notice':
        this.emit('relay-notice', msg.notice);
        return;
      default:
        assertNever(msg);
    }
  }

  /** Watch this connection (this generation) for a dead path; see idle-heartbeat.ts. */
  private startHeartbeat(heartbeatMs: number): void {
    const gen = this.generation;
    this.heartbeat.start(heartbeatMs, {
      live: () => gen === this.generation && this.stateValue === 'open',
      ping: (timeoutMs) => {
        const ws = this.ws;
        if (ws === undefined) return undefined;
        const { id, promise } = this.pending.open<void>('ping', timeoutMs);
        ws.send(JSON.stringify({ type: 'ping', id }));
        return promise;
      },
      dead: () => this.dropSocket(gen, 4000, 'ping timeout'),
    });
  }

  private settleWaiters(err: HypersendError | undefined): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) err === undefined ? w.resolve() : w.reject(err);
  }

  private clearTimers(): void {
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.heartbeat.stop();
  }
}

function notConnected(message: string): HypersendError {
  return new HypersendError('not_connected', message);
}

function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}

/** Make a Node timer keep the process alive again; a no-op for browser ids and fake clocks. */
function refTimer(handle: unknown): void {
  if (typeof handle === 'object' && handle !== null && 'ref' in handle) (handle as { ref(): void }).ref();
}
