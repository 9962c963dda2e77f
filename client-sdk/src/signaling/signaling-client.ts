import {
  type ChatClientMessage,
  type ChatServerMessage,
  ClientMessage,
  CloseCode,
  type DeviceAddress,
  MAX_WS_PAYLOAD_BYTES,
  type RelayNotice,
  ServerMessage,
  type SignalKind,
  WS_BEARER_PREFIX,
  WS_SUBPROTOCOL,
  WS_TICKET_PREFIX,
} from '@hypersend/protocol';
import { serverError } from '../api/http-error.ts';
import { type Clock, type Logger, silentLogger, systemClock, type TimerHandle } from '../api/runtime.ts';
import { HypersendError } from '../errors.ts';
import { Emitter } from '../events.ts';
import { type BackoffOptions, backoffDelay } from './backoff.ts';
import { PendingRequests } from './pending-requests.ts';
import { type WebSocketConstructor, type WebSocketLike, WS_OPEN } from './websocket-like.ts';

/** The credential offered in `Sec-WebSocket-Protocol`: an access token (Node) or a ticket (browsers). */
export type WsCredential = { kind: 'bearer' | 'ticket'; value: string };

/** A WebRTC signal from a contact's device. */
export interface IncomingSignal {
  from: DeviceAddress;
  kind: SignalKind;
  sid: string;
  data: Record<string, unknown>;
}

/** Events of a {@link SignalingClient}. */
export type SignalingEvents = {
  /** The server greeted this connection (first connect and every reconnect). */
  connected: { user: string; device: string; heartbeatMs: number };
  /** An established connection was lost. `reconnectInMs` is undefined when no reconnect follows. */
  disconnected: { code: number; reason: string; reconnectInMs: number | undefined };
  /** Another connection of this device took over (close 4001). No automatic reconnect. */
  replaced: undefined;
  signal: IncomingSignal;
  /** A contact's device came online or went offline. */
  presence: { user: string; device: string; state: 'online' | 'offline' };
  /** A server `error` frame that answers no request, or a refused connection attempt. */
  error: { error: HypersendError };
  /** A chat frame that answers no request (messages, receipts, typing); `client.chat` handles them. */
  chat: ChatServerMessage;
  /** A store-and-forward relay object is waiting for this device (see `transfers/relay-incoming.ts`). */
  'relay-notice': RelayNotice;
};

/** Connection state of a {@link SignalingClient}. */
export type SignalingState = 'idle' | 'connecting' | 'open' | 'waiting' | 'closed';

/** Options of {@link SignalingClient}. */
export interface SignalingClientOptions {
  /** `ws(s)://host/v1/ws`. */
  url: string;
  deviceId: string;
  /**
   * A credential for the next connection attempt. `fresh` is true when the previous one was
   * refused (401) or expired (close 4002): do not answer the cached token again.
   */
  credential(request: { fresh: boolean }): Promise<WsCredential>;
  WebSocket: WebSocketConstructor;
  /** Checked before every signal (the key directory refuses devices whose key changed). */
  beforeSend?(to: DeviceAddress): void | Promise<void>;
  clock?: Clock;
  log?: Logger;
  backoff?: BackoffOptions;
  /** Deadline of one request (signal ack, presence, ping). Default 10 s. */
  requestTimeoutMs?: number;
  /** Deadline from opening the socket to the server's `hello`. Default 10 s. */
  connectTimeoutMs?: number;
  random?: () => number;
}

// Upgrade refusals that retrying cannot fix: bad request, forbidden origin or unregistered device.
const FATAL_UPGRADE_STATUS = new Set([400, 403]);

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
  private heartbeatTimer: TimerHandle | undefined;
  private heartbeatMs = 0;
  private lastSent = 0;
  private lastReceived = 0;
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
    const withId = { ...frame, id };
    // Validate our own frame too: the server counts malformed frames as strikes and closes after a few.
    const checked = ClientMessage.safeParse(withId);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      this.pending.reject(
        id,
        HypersendError.invalidArgument(`${what}: ${issue?.path.join('.')} ${issue?.message}`),
      );
      return promise;
    }
    const text = JSON.stringify(checked.data);
    if (new TextEncoder().encode(text).length > MAX_WS_PAYLOAD_BYTES) {
      this.pending.reject(id, new HypersendError('frame_too_large', `${what}: frame exceeds 64 KiB`));
      return promise;
    }
    ws.send(text);
    this.lastSent = this.clock.now();
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
    const prefix = credential.kind === 'bearer' ? WS_BEARER_PREFIX : WS_TICKET_PREFIX;
    const url = `${this.options.url}?device=${encodeURIComponent(this.options.deviceId)}`;
    let ws: WebSocketLike;
    try {
      ws = new this.options.WebSocket(url, [WS_SUBPROTOCOL, `${prefix}${credential.value}`]);
    } catch (err) {
      this.log.warn({ err: String(err) }, 'websocket constructor failed');
      this.retry(undefined);
      return;
    }
    this.ws = ws;
    let refusedStatus: number | undefined;
    const helloDeadline = this.clock.setTimeout(() => {
      if (gen !== this.generation || this.stateValue === 'open') return;
      this.log.warn({ timeoutMs: this.connectTimeoutMs }, 'no hello in time');
      this.dropSocket(gen, 4000, 'connect timeout');
    }, this.connectTimeoutMs);
    ws.addEventListener('message', (event) => {
      if (gen === this.generation) this.onFrame(event.data);
    });
    ws.addEventListener('error', (event) => {
      // `ws` reports a refused upgrade as "Unexpected server response: 401"; browsers say nothing.
      const match = /Unexpected server response: (\d{3})/.exec(event.message ?? '');
      if (match) refusedStatus = Number(match[1]);
    });
    ws.addEventListener('close', (event) => {
      this.clock.clearTimeout(helloDeadline);
      if (gen === this.generation) this.onClose(event.code, event.reason, refusedStatus);
    });
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
    if (code === CloseCode.replaced) {
      this.stateValue = 'closed';
      this.settleWaiters(new HypersendError('replaced', 'another connection of this device took over'));
      if (wasOpen) this.emit('disconnected', { code, reason, reconnectInMs: undefined });
      this.emit('replaced');
      return;
    }
    if (refusedStatus !== undefined && FATAL_UPGRADE_STATUS.has(refusedStatus)) {
      const err = serverError(
        refusedStatus,
        refusedStatus === 403 ? 'forbidden' : 'bad_request',
        'connection refused',
      );
      this.emit('error', { error: err });
      this.stop(err);
      return;
    }
    if (refusedStatus === 401 || code === CloseCode.tokenExpired) this.freshCredential = true;
    let delay: number | undefined;
    if (this.reconnectAfterMs !== undefined) delay = this.reconnectAfterMs;
    else if (code === CloseCode.tokenExpired && wasOpen) delay = 0;
    this.reconnectAfterMs = undefined;
    const scheduled = this.retry(delay);
    if (wasOpen) this.emit('disconnected', { code, reason, reconnectInMs: scheduled });
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
    this.lastReceived = this.clock.now();
    if (typeof data !== 'string') {
      this.log.warn({}, 'ignoring binary frame');
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      this.log.warn({}, 'ignoring frame that is not JSON');
      return;
    }
    const parsed = ServerMessage.safeParse(json);
    if (!parsed.success) {
      this.log.warn({ issue: parsed.error.issues[0]?.message }, 'ignoring invalid server frame');
      return;
    }
    const msg = parsed.data;
    switch (msg.type) {
      case 'hello':
        this.stateValue = 'open';
        this.attempt = 0;
        this.heartbeatMs = msg.heartbeatMs;
        this.armHeartbeat();
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

  /**
   * Ping when the connection has been quiet in either direction for half a heartbeat; a ping
   * unanswered within a heartbeat means the path is dead (NAT timeout, sleeping laptop) and the
   * socket is dropped at once rather than waiting for TCP to notice.
   */
  private armHeartbeat(): void {
    const gen = this.generation;
    const interval = Math.max(1_000, this.heartbeatMs / 2);
    this.heartbeatTimer = this.clock.setTimeout(() => {
      if (gen !== this.generation || this.stateValue !== 'open') return;
      const now = this.clock.now();
      if (now - this.lastSent >= interval || now - this.lastReceived >= interval) {
        const ws = this.ws;
        if (ws === undefined) return;
        const { id, promise } = this.pending.open<void>('ping', this.heartbeatMs);
        ws.send(JSON.stringify({ type: 'ping', id }));
        this.lastSent = now;
        promise.catch((err: unknown) => {
          if (HypersendError.is(err, 'timeout')) this.dropSocket(gen, 4000, 'ping timeout');
        });
      }
      this.armHeartbeat();
    }, interval);
  }

  private settleWaiters(err: HypersendError | undefined): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) err === undefined ? w.resolve() : w.reject(err);
  }

  private clearTimers(): void {
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    if (this.heartbeatTimer !== undefined) this.clock.clearTimeout(this.heartbeatTimer);
    this.retryTimer = undefined;
    this.heartbeatTimer = undefined;
  }
}

function notConnected(message: string): HypersendError {
  return new HypersendError('not_connected', message);
}

function assertNever(value: never): never {
  throw new Error(`unhandled server message: ${JSON.stringify(value)}`);
}

/** Make a Node timer keep the process alive again; a no-op for browser ids and fake clocks. */
function refTimer(handle: unknown): void {
  if (typeof handle === 'object' && handle !== null && 'ref' in handle) (handle as { ref(): void }).ref();
}
