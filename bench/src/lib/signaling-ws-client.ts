/**
 * A minimal RFC 6455 client for the signaling benchmark's load generator, over plain `net`
 * sockets. The `ws` package costs ~39 µs per signal (send + receive) in this generator, which at
 * 50,000 signals/s is more than one of the two cores the server also needs; this client does the
 * same job for a fraction of that by doing only what the benchmark needs:
 *
 * - the real opening handshake (`Sec-WebSocket-Key` / `-Accept` checked, the offered
 *   sub-protocols, here `hypersend.v1, bearer.<jwt>`, and the chosen one checked);
 * - client frames masked as the RFC requires (the server unmasks every byte as usual), with a
 *   fixed mask per process so a frame can be precomputed and only its changing bytes masked
 *   per send (`MaskedTemplate`);
 * - server frames parsed incrementally from one shared read buffer (`onread`), text frames
 *   handed over as byte ranges without copying; pings answered, close honoured;
 * - writes batched per socket and turn (one `write` per socket per event-loop turn).
 *
 * Not supported, because the server never sends them: fragmented and compressed frames
 * (they fail the connection with reason `unsupported`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OP_TEXT = 0x1;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;
/** One read buffer for all sockets of the process: `onread` callbacks run one at a time. */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);
const HEADER_END = Buffer.from('\r\n\r\n');

/** This process's masking key. Fixed, so frames can be precomputed; the RFC only needs a key. */
export const MASK = randomBytes(4);

/** Receives the events of one connection. */
export interface RawWsEvents {
  /** A complete text frame: `buf[start, end)` is the payload, valid only during the call. */
  onText(buf: Buffer, start: number, end: number): void;
  /** The connection is gone (`reason`: close code, error or protocol violation). */
  onClose(reason: string): void;
}

/** Size of the frame header for a client (masked) frame with `len` payload bytes. */
function maskedHeaderSize(len: number): number {
  return (len < 126 ? 2 : len < 65536 ? 4 : 10) + 4;
}

/** Write a masked frame header for `len` bytes at `out[0..]`; returns the payload offset. */
function writeMaskedHeader(out: Buffer, opcode: number, len: number): number {
  out[0] = 0x80 | opcode;
  let o: number;
  if (len < 126) {
    out[1] = 0x80 | len;
    o = 2;
  } else if (len < 65536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(len, 2);
    o = 4;
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(len), 2);
    o = 10;
  }
  MASK.copy(out, o);
  return o + 4;
}

/** A complete masked client frame for `payload`. */
export function maskedFrame(opcode: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(maskedHeaderSize(payload.length) + payload.length);
  const p = writeMaskedHeader(out, opcode, payload.length);
  for (let i = 0; i < payload.length; i++) out[p + i] = (payload[i] as number) ^ (MASK[i & 3] as number);
  return out;
}

/**
 * A text frame whose payload is `before` + a field of `width` bytes + `after`, masked once.
 * `fill` copies it and masks only the field: the per-send cost of the generator's signals,
 * whose only changing part is the send timestamp.
 */
export class MaskedTemplate {
  private readonly frame: Buffer;
  private readonly fieldAt: number;
  private readonly payloadAt: number;

  constructor(
    before: string,
    readonly width: number,
    after: string,
  ) {
    const payload = Buffer.from(`${before}${' '.repeat(width)}${after}`, 'utf8');
    this.frame = maskedFrame(OP_TEXT, payload);
    this.payloadAt = this.frame.length - payload.length;
    this.fieldAt = this.payloadAt + Buffer.byteLength(before, 'utf8');
  }

  /** A fresh frame with `field` (ASCII, exactly `width` characters) in place. */
  fill(field: string): Buffer {
    const out = Buffer.allocUnsafe(this.frame.length);
    this.frame.copy(out);
    const rel = this.fieldAt - this.payloadAt;
    for (let i = 0; i < this.width; i++)
      out[this.fieldAt + i] = field.charCodeAt(i) ^ (MASK[(rel + i) & 3] as number);
    return out;
  }

  /**
   * A fresh frame with `value` written as `value.toFixed(3)`, right-aligned in the field with
   * leading spaces (`fill(value.toFixed(3).padStart(width))` without building strings: this
   * runs once per signal sent). Values that do not fit, or are negative, go through `fill`.
   */
  fillFixed3(value: number): Buffer {
    let scaled = Math.round(value * 1000);
    if (!(scaled >= 0) || scaled >= 10 ** (this.width - 1))
      return this.fill(value.toFixed(3).padStart(this.width));
    const out = Buffer.allocUnsafe(this.frame.length);
    this.frame.copy(out);
    const rel = this.fieldAt - this.payloadAt;
    // Right to left: three decimals, the point, the integer digits (at least one), then spaces.
    for (let i = this.width - 1; i >= 0; i--) {
      const fromRight = this.width - 1 - i;
      let c: number;
      if (fromRight === 3) c = 0x2e;
      else if (fromRight < 3 || scaled > 0 || fromRight === 4) {
        c = 0x30 + (scaled % 10);
        scaled = Math.floor(scaled / 10);
      } else c = 0x20;
      out[this.fieldAt + i] = c ^ (MASK[(rel + i) & 3] as number);
    }
    return out;
  }
}

/** Outgoing frames of every socket, written once per turn. */
const dirty: RawWs[] = [];
let flushScheduled = false;
function flushAll(): void {
  flushScheduled = false;
  for (let i = 0; i < dirty.length; i++) (dirty[i] as RawWs).flush();
  dirty.length = 0;
}

/** One client connection after a successful handshake. */
export class RawWs {
  private pending: Buffer | null = null;
  private out: Buffer[] = [];
  private closed = false;
  events: RawWsEvents;

  constructor(
    readonly socket: Socket,
    events: RawWsEvents,
  ) {
    this.events = events;
  }

  get open(): boolean {
    return !this.closed;
  }

  /** Queue one complete client frame (from `maskedFrame` or a `MaskedTemplate`). */
  sendFrame(frame: Buffer): void {
    if (this.closed) return;
    if (this.out.length === 0) {
      dirty.push(this);
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flushAll);
      }
    }
    this.out.push(frame);
  }

  /** Queue a text frame built from a string (rare frames; the hot path uses templates). */
  sendText(text: string): void {
    this.sendFrame(maskedFrame(OP_TEXT, Buffer.from(text, 'utf8')));
  }

  flush(): void {
    const out = this.out;
    if (out.length === 0 || this.closed) return;
    this.socket.write(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out));
    this.out = [];
  }

  /** Drop the connection without a closing handshake. */
  terminate(): void {
    this.fail('terminated');
  }

  /** Bytes `buf[start, end)` arrived: parse every complete frame, keep the rest. */
  receive(buf: Buffer, start: number, end: number): void {
    let data = buf;
    let at = start;
    let stop = end;
    if (this.pending !== null) {
      data = Buffer.concat([this.pending, buf.subarray(start, end)]);
      this.pending = null;
      at = 0;
      stop = data.length;
    }
    while (!this.closed && stop - at >= 2) {
      const b0 = data[at] as number;
      const b1 = data[at + 1] as number;
      if ((b0 & 0x80) === 0 || (b0 & 0x70) !== 0 || (b1 & 0x80) !== 0) {
        // Fragmented, compressed or masked server frames: the server sends none of these.
        this.fail('unsupported');
        return;
      }
      let len = b1 & 0x7f;
      let header = 2;
      if (len === 126) {
        if (stop - at < 4) break;
        len = data.readUInt16BE(at + 2);
        header = 4;
      } else if (len === 127) {
        if (stop - at < 10) break;
        len = Number(data.readBigUInt64BE(at + 2));
        header = 10;
      }
      if (stop - at < header + len) break;
      const p = at + header;
      at = p + len;
      const opcode = b0 & 0x0f;
      if (opcode === OP_TEXT) this.events.onText(data, p, p + len);
      else if (opcode === OP_PING)
        this.sendFrame(maskedFrame(OP_PONG, Buffer.from(data.subarray(p, p + len))));
      else if (opcode === OP_CLOSE) {
        const code = len >= 2 ? data.readUInt16BE(p) : 1005;
        // Answer the close (RFC 6455 §5.5.1), then let the server end the TCP connection.
        this.sendFrame(maskedFrame(OP_CLOSE, Buffer.from(data.subarray(p, p + Math.min(len, 2)))));
        this.flush();
        this.fail(`close ${code}`);
        return;
      }
    }
    // Keep an incomplete frame (copied: the read buffer is reused for the next read).
    if (!this.closed && at < stop) this.pending = Buffer.from(data.subarray(at, stop));
  }

  fail(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.out = [];
    this.socket.destroy();
    this.events.onClose(reason);
  }
}

/** Where and how to open a connection. */
export interface RawWsOptions {
  /** `ws://host:port/path?query` */
  url: string;
  /** Offered in `Sec-WebSocket-Protocol`; the first one must be chosen by the server (none: no header). */
  protocols: readonly string[];
  timeoutMs: number;
  events: RawWsEvents;
}

/**
 * Open a connection: TCP, the HTTP upgrade, checks of the answer. Resolves with the connection
 * or rejects with a short reason (`http 401`, `timeout`, `bad accept`, the socket error).
 * Bytes that followed the 101 answer (the server's first frame) are parsed at once.
 */
export function openRawWs(o: RawWsOptions): Promise<RawWs> {
  const url = new URL(o.url);
  const key = randomBytes(16).toString('base64');
  const expectedAccept = createHash('sha1')
    .update(key + GUID)
    .digest('base64');
  return new Promise((resolve, reject) => {
    let ws: RawWs | null = null;
    let head: Buffer | null = Buffer.alloc(0);
    const timer = setTimeout(() => failHandshake('timeout'), o.timeoutMs);
    const failHandshake = (reason: string): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(new Error(reason));
    };
    const socket = connect({
      host: url.hostname,
      port: Number(url.port),
      noDelay: true,
      onread: {
        buffer: READ_BUFFER,
        callback: (n: number, buf: Uint8Array): boolean => {
          const chunk = buf as Buffer;
          if (ws !== null) {
            ws.receive(chunk, 0, n);
            return true;
          }
          if (head === null) return false;
          head = Buffer.concat([head, chunk.subarray(0, n)]);
          const end = head.indexOf(HEADER_END);
          if (end < 0) {
            if (head.length > 16 * 1024) failHandshake('oversized answer');
            return true;
          }
          const lines = head.toString('latin1', 0, end).split('\r\n');
          const status = /^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '')?.[1] ?? '???';
          const headers = new Map<string, string>();
          for (const line of lines.slice(1)) {
            const colon = line.indexOf(':');
            if (colon > 0)
              headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
          }
          const failure =
            status !== '101'
              ? `http ${status}`
              : headers.get('sec-websocket-accept') !== expectedAccept
                ? 'bad accept'
                : headers.get('sec-websocket-protocol') !== o.protocols[0]
                  ? 'bad protocol'
                  : null;
          if (failure !== null) {
            failHandshake(failure);
            return false;
          }
          clearTimeout(timer);
          const rest = head.subarray(end + HEADER_END.length);
          head = null;
          ws = new RawWs(socket, o.events);
          resolve(ws);
          if (rest.length > 0) ws.receive(rest, 0, rest.length);
          return true;
        },
      },
    });
    socket.on('connect', () => {
      socket.write(
        `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
          // No sub-protocol offered (peerjs-server takes none): no header, and none may come back.
          (o.protocols.length > 0 ? `Sec-WebSocket-Protocol: ${o.protocols.join(', ')}\r\n` : '') +
          '\r\n',
      );
    });
    socket.on('error', (err) => {
      if (ws === null) failHandshake(err.message.slice(0, 60));
      else ws.fail(err.message.slice(0, 60));
    });
    socket.on('close', () => {
      if (ws === null) failHandshake('closed during handshake');
      else ws.fail('close 1006');
    });
  });
}
