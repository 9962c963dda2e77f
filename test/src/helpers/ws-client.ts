import { type ServerMessage, WS_BEARER_PREFIX, WS_SUBPROTOCOL, WS_TICKET_PREFIX } from '@hypersend/protocol';
import WebSocket from 'ws';

/** How to open `/v1/ws` in a test. */
export interface WsConnectOptions {
  /** Access token offered as `bearer.<jwt>`. */
  token?: string;
  /** Ticket offered as `ticket.<ticket>`. */
  ticket?: string;
  device?: string;
  origin?: string;
  /** Replace the offered sub-protocols entirely. */
  protocols?: string[];
  /** Extra query string, appended after `device`. */
  query?: string;
  headers?: Record<string, string>;
  /** `autoPong: false` models a peer that stopped answering pings (a hung process, a vanished network). */
  autoPong?: boolean;
}

/** A refused upgrade: the HTTP status and JSON body. */
export interface WsRefusal {
  status: number;
  body: string;
}

/** A connected test client with a frame inbox. */
export class TestSocket {
  readonly frames: ServerMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  /** How the socket closed, once it has: named in errors so a flaky close can be told apart. */
  closeInfo: { code: number; reason: string; error?: string } | null = null;
  private lastError: string | undefined;
  private waiters: Array<() => void> = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      this.frames.push(JSON.parse(String(data)) as ServerMessage);
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = {
          code,
          reason: reason.toString(),
          ...(this.lastError ? { error: this.lastError } : {}),
        };
        resolve(this.closeInfo);
        for (const w of this.waiters.splice(0)) w();
      });
    });
    ws.on('error', (err) => {
      this.lastError = String(err);
    });
  }

  /** Send a frame: objects as JSON text, strings and buffers as they are. */
  send(frame: unknown, options: { binary?: boolean } = {}): void {
    const data = typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame);
    this.ws.send(data, { binary: options.binary ?? false });
  }

  /**
   * Wait for (and remove from the inbox) the first frame matching `match`.
   * Rejects after `timeoutMs` or when the socket closes first.
   */
  async next<T extends ServerMessage['type']>(
    type: T,
    match: (frame: Extract<ServerMessage, { type: T }>) => boolean = () => true,
    timeoutMs = 5_000,
  ): Promise<Extract<ServerMessage, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.frames.findIndex(
        (f) => f.type === type && match(f as Extract<ServerMessage, { type: T }>),
      );
      if (i >= 0) return this.frames.splice(i, 1)[0] as Extract<ServerMessage, { type: T }>;
      if (this.ws.readyState === WebSocket.CLOSED)
        throw new Error(`socket closed (${JSON.stringify(this.closeInfo)}) while waiting for ${type}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out waiting for ${type}; inbox: ${JSON.stringify(this.frames).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** True when no frame of `type` arrives within `ms`. */
  async none(type: ServerMessage['type'], ms = 300): Promise<boolean> {
    await new Promise((r) => setTimeout(r, ms));
    return !this.frames.some((f) => f.type === type);
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
  }
}

/**
 * Open `/v1/ws`. Resolves with the connected socket (after its `hello`), or with the refusal.
 *
 * @example
 * const r = await openWs(server, { token: alice.accessToken, device: laptop.deviceId });
 * if (!('status' in r)) r.send({ type: 'ping', id: '1' });
 */
export async function openWs(
  server: { wsUrl: string },
  options: WsConnectOptions,
): Promise<TestSocket | WsRefusal> {
  try {
    return await openWsOnce(server, options);
  } catch (err) {
    // uWS sometimes drops a socket it has just upgraded after an async upgrade (1006 before
    // `hello`, uNetworking/uWebSockets#1928; see PROTOCOL.md's close codes). Clients retry it
    // (the SDK with backoff); so does this helper, once and at once, so tests see only real failures.
    if (!(err instanceof DroppedBeforeHello)) throw err;
    return openWsOnce(server, options);
  }
}

/** The socket closed with 1006 between the 101 and `hello`. */
class DroppedBeforeHello extends Error {}

function openWsOnce(server: { wsUrl: string }, options: WsConnectOptions): Promise<TestSocket | WsRefusal> {
  const protocols = options.protocols ?? [
    WS_SUBPROTOCOL,
    ...(options.token ? [`${WS_BEARER_PREFIX}${options.token}`] : []),
    ...(options.ticket ? [`${WS_TICKET_PREFIX}${options.ticket}`] : []),
  ];
  const query = [options.device ? `device=${encodeURIComponent(options.device)}` : '', options.query ?? '']
    .filter(Boolean)
    .join('&');
  const url = `${server.wsUrl}${query ? `?${query}` : ''}`;
  const wsOptions: WebSocket.ClientOptions = {
    headers: options.headers ?? {},
    autoPong: options.autoPong ?? true,
  };
  if (options.origin) wsOptions.origin = options.origin;
  const ws = new WebSocket(url, protocols, wsOptions);
  const socket = new TestSocket(ws);
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on('error', reject);
    });
    ws.once('open', () => {
      socket.next('hello').then(
        (hello) => {
          socket.frames.unshift(hello);
          resolve(socket);
        },
        (err: unknown) => reject(socket.closeInfo?.code === 1006 ? new DroppedBeforeHello(String(err)) : err),
      );
    });
    ws.once('error', (err) => {
      if (ws.readyState !== WebSocket.OPEN) reject(err);
    });
  });
}

/** Open `/v1/ws` and fail the test unless it connects. */
export async function connectWs(server: { wsUrl: string }, options: WsConnectOptions): Promise<TestSocket> {
  const r = await openWs(server, options);
  if ('status' in r) throw new Error(`upgrade refused: ${r.status} ${r.body}`);
  return r;
}

/** Open `/v1/ws` and fail the test unless it is refused; returns the HTTP status. */
export async function refusedWs(server: { wsUrl: string }, options: WsConnectOptions): Promise<WsRefusal> {
  const r = await openWs(server, options);
  if (!('status' in r)) {
    r.close();
    throw new Error('upgrade unexpectedly accepted');
  }
  return r;
}
