import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { crc32 } from 'node:zlib';

/**
 * Just enough STUN (RFC 8489) to speak TURN (RFC 8656) to coturn: encode requests with
 * MESSAGE-INTEGRITY and FINGERPRINT, decode answers. Written for tests and start-up probes,
 * not as a general STUN stack: it understands the attributes Hypersend needs and keeps the
 * others as raw bytes.
 */

export const MAGIC_COOKIE = 0x2112a442;

/** STUN methods used here (RFC 8489 §18.2, RFC 8656 §17). */
export const StunMethod = {
  binding: 0x001,
  allocate: 0x003,
  refresh: 0x004,
  createPermission: 0x008,
} as const;
export type StunMethod = (typeof StunMethod)[keyof typeof StunMethod];

/** Attribute types used here. */
export const StunAttr = {
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  lifetime: 0x000d,
  xorPeerAddress: 0x0012,
  realm: 0x0014,
  nonce: 0x0015,
  xorRelayedAddress: 0x0016,
  requestedAddressFamily: 0x0017,
  requestedTransport: 0x0019,
  xorMappedAddress: 0x0020,
  software: 0x8022,
  fingerprint: 0x8028,
} as const;

export type StunClass = 'request' | 'indication' | 'success' | 'error';

/** A transport address as carried in XOR-*-ADDRESS attributes. */
export interface StunAddress {
  family: 'IPv4' | 'IPv6';
  address: string;
  port: number;
}

/** One decoded STUN message. `attrs` keeps every attribute's raw value, first occurrence wins. */
export interface StunMessage {
  method: number;
  cls: StunClass;
  transactionId: Buffer;
  attrs: Map<number, Buffer>;
  /** Present on error responses: `{ code: 401, reason: 'Unauthorized' }`. */
  error: { code: number; reason: string } | undefined;
}

const CLASS_BITS: Record<StunClass, number> = {
  request: 0x000,
  indication: 0x010,
  success: 0x100,
  error: 0x110,
};

function messageType(method: number, cls: StunClass): number {
  // The class bits are interleaved with the method bits (RFC 8489 §5).
  const m = method & 0xfff;
  return ((m & 0xf80) << 2) | ((m & 0x070) << 1) | (m & 0x00f) | CLASS_BITS[cls];
}

function splitType(type: number): { method: number; cls: StunClass } {
  const method = ((type & 0x3e00) >> 2) | ((type & 0x00e0) >> 1) | (type & 0x000f);
  const bits = type & 0x0110;
  const cls: StunClass =
    bits === 0x000 ? 'request' : bits === 0x010 ? 'indication' : bits === 0x100 ? 'success' : 'error';
  return { method, cls };
}

/**
 * Long-term credential key (RFC 8489 §9.2.2): MD5(username ":" realm ":" password).
 * SASLprep is skipped: Hypersend usernames and REST passwords are ASCII.
 *
 * @example
 * const key = longTermKey('1700000000:alice', 'turn.example.com', 'us6oUmSgs9MAJp7aeFqH5wUWpeM=');
 */
export function longTermKey(username: string, realm: string, password: string): Buffer {
  return createHash('md5').update(`${username}:${realm}:${password}`, 'utf8').digest();
}

/** Builder for one outgoing STUN message. */
export class StunRequest {
  readonly transactionId: Buffer;
  private readonly parts: Buffer[] = [];

  constructor(
    readonly method: number,
    readonly cls: StunClass = 'request',
    transactionId: Buffer = randomBytes(12),
  ) {
    this.transactionId = transactionId;
  }

  /** Append an attribute; the value is padded to a 4-byte boundary. */
  add(type: number, value: Buffer): this {
    const header = Buffer.alloc(4);
    header.writeUInt16BE(type, 0);
    header.writeUInt16BE(value.length, 2);
    const pad = Buffer.alloc((4 - (value.length % 4)) % 4);
    this.parts.push(header, value, pad);
    return this;
  }

  addString(type: number, value: string): this {
    return this.add(type, Buffer.from(value, 'utf8'));
  }

  addXorAddress(type: number, addr: Omit<StunAddress, 'family'>): this {
    return this.add(type, encodeXorAddress(addr, this.transactionId));
  }

  /**
   * Serialise. With `key`, appends MESSAGE-INTEGRITY (HMAC-SHA1 over everything before it, with the
   * header length already counting it); always appends FINGERPRINT, since the template sets
   * `fingerprint` and coturn then expects it.
   */
  encode(key?: Buffer): Buffer {
    let body = Buffer.concat(this.parts);
    if (key) {
      const withMi = header(this, body.length + 24);
      const mac = createHmac('sha1', key)
        .update(Buffer.concat([withMi, body]))
        .digest();
      body = Buffer.concat([body, attr(StunAttr.messageIntegrity, mac)]);
    }
    const withFp = header(this, body.length + 8);
    const crc = (crc32(Buffer.concat([withFp, body])) ^ 0x5354554e) >>> 0;
    const fp = Buffer.alloc(4);
    fp.writeUInt32BE(crc, 0);
    return Buffer.concat([withFp, body, attr(StunAttr.fingerprint, fp)]);
  }
}

function header(req: StunRequest, length: number): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(messageType(req.method, req.cls), 0);
  h.writeUInt16BE(length, 2);
  h.writeUInt32BE(MAGIC_COOKIE, 4);
  req.transactionId.copy(h, 8);
  return h;
}

function attr(type: number, value: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt16BE(type, 0);
  h.writeUInt16BE(value.length, 2);
  return Buffer.concat([h, value]);
}

/** Encode an XOR-*-ADDRESS value. IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is sent as family IPv6. */
export function encodeXorAddress(addr: Omit<StunAddress, 'family'>, transactionId: Buffer): Buffer {
  const raw = ipToBytes(addr.address);
  const out = Buffer.alloc(4 + raw.length);
  out.writeUInt8(raw.length === 4 ? 0x01 : 0x02, 1);
  out.writeUInt16BE(addr.port ^ (MAGIC_COOKIE >>> 16), 2);
  const mask = Buffer.alloc(16);
  mask.writeUInt32BE(MAGIC_COOKIE, 0);
  transactionId.copy(mask, 4);
  for (let i = 0; i < raw.length; i++) out[4 + i] = (raw[i] ?? 0) ^ (mask[i] ?? 0);
  return out;
}

/** Decode an XOR-*-ADDRESS value. */
export function decodeXorAddress(value: Buffer, transactionId: Buffer): StunAddress {
  const family = value.readUInt8(1) === 0x01 ? 'IPv4' : 'IPv6';
  const port = value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
  const mask = Buffer.alloc(16);
  mask.writeUInt32BE(MAGIC_COOKIE, 0);
  transactionId.copy(mask, 4);
  const len = family === 'IPv4' ? 4 : 16;
  const raw = Buffer.alloc(len);
  for (let i = 0; i < len; i++) raw[i] = (value[4 + i] ?? 0) ^ (mask[i] ?? 0);
  return { family, port, address: bytesToIp(raw) };
}

function ipToBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  if (!isIPv6(ip)) throw new TypeError(`not an IP address: ${ip}`);
  // Expand `::`, and an embedded dotted quad (`::ffff:127.0.0.1`) into two hextets.
  let text = ip;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const b = dotted[1].split('.').map(Number);
    const hex = (hi = 0, lo = 0) => ((hi << 8) | lo).toString(16);
    text = `${text.slice(0, -dotted[1].length)}${hex(b[0], b[1])}:${hex(b[2], b[3])}`;
  }
  const [head = '', tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => {
    out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  });
  return out;
}

function bytesToIp(raw: Buffer): string {
  if (raw.length === 4) return [...raw].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(raw.readUInt16BE(i).toString(16));
  return groups.join(':');
}

/**
 * Decode a datagram. Returns undefined for anything that is not a well-formed STUN message, so a
 * stray packet never throws inside a socket handler.
 *
 * @example
 * const msg = decodeStun(datagram); if (msg?.cls === 'error') console.warn(msg.error?.code);
 */
export function decodeStun(buf: Buffer): StunMessage | undefined {
  if (buf.length < 20 || (buf[0] ?? 0xff) & 0xc0 || buf.readUInt32BE(4) !== MAGIC_COOKIE) return undefined;
  const length = buf.readUInt16BE(2);
  if (length + 20 > buf.length || length % 4 !== 0) return undefined;
  const { method, cls } = splitType(buf.readUInt16BE(0));
  const transactionId = Buffer.from(buf.subarray(8, 20));
  const attrs = new Map<number, Buffer>();
  let off = 20;
  while (off + 4 <= 20 + length) {
    const type = buf.readUInt16BE(off);
    const len = buf.readUInt16BE(off + 2);
    if (off + 4 + len > 20 + length) return undefined;
    if (!attrs.has(type)) attrs.set(type, Buffer.from(buf.subarray(off + 4, off + 4 + len)));
    off += 4 + len + ((4 - (len % 4)) % 4);
  }
  let error: StunMessage['error'];
  const ec = attrs.get(StunAttr.errorCode);
  if (ec && ec.length >= 4) {
    error = {
      code: (ec.readUInt8(2) & 0x7) * 100 + ec.readUInt8(3),
      reason: ec.subarray(4).toString('utf8'),
    };
  }
  return { method, cls, transactionId, attrs, error };
}

/**
 * Check a response's MESSAGE-INTEGRITY against `key`. Answers without one (e.g. a 401 challenge)
 * return false.
 */
export function verifyIntegrity(buf: Buffer, key: Buffer): boolean {
  let off = 20;
  const end = 20 + buf.readUInt16BE(2);
  while (off + 4 <= end) {
    const type = buf.readUInt16BE(off);
    const len = buf.readUInt16BE(off + 2);
    if (type === StunAttr.messageIntegrity && len === 20) {
      const head = Buffer.from(buf.subarray(0, off));
      head.writeUInt16BE(off - 20 + 24, 2);
      const mac = createHmac('sha1', key).update(head).digest();
      return timingSafeEqual(mac, buf.subarray(off + 4, off + 24));
    }
    off += 4 + len + ((4 - (len % 4)) % 4);
  }
  return false;
}
