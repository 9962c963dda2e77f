// Browser-safe byte helpers. Written out rather than taken from libsodium so they work before
// `loadSodium()` resolves and in code paths (framing, manifests) that never touch crypto.
import { HypersendError } from './errors.ts';

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64URL_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64URL.length; i++) B64URL_INDEX[B64URL.charCodeAt(i)] = i;

/**
 * `n` cryptographically random bytes from the platform CSPRNG (Web Crypto: browsers and Node 20).
 *
 * @example
 * const key = randomBytes(32);
 */
export function randomBytes(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

/**
 * Base64url without padding (RFC 4648 §5): 32 bytes become the 43 characters of `PublicKey32`.
 *
 * @example
 * toBase64Url(new Uint8Array(32)).length; // 43
 */
export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64URL[n >>> 18]! + B64URL[(n >>> 12) & 63]! + B64URL[(n >>> 6) & 63]! + B64URL[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64URL[n >>> 18]! + B64URL[(n >>> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64URL[n >>> 18]! + B64URL[(n >>> 12) & 63]! + B64URL[(n >>> 6) & 63]!;
  }
  return out;
}

/**
 * Strict inverse of {@link toBase64Url}: rejects padding, the standard alphabet, impossible lengths
 * and non-zero trailing bits, so every byte string has exactly one accepted encoding (keys can be
 * compared as strings).
 *
 * @example
 * fromBase64Url('AAEC'); // Uint8Array [0, 1, 2]
 * @throws HypersendError `bad_key` on malformed input.
 */
export function fromBase64Url(text: string): Uint8Array {
  if (text.length % 4 === 1) throw HypersendError.badKey('base64url length is impossible');
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? B64URL_INDEX[c]! : -1;
    if (v < 0) throw HypersendError.badKey('not base64url');
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) throw HypersendError.badKey('non-canonical base64url');
  return out;
}

/**
 * Decode a base64url public key and insist on 32 bytes.
 *
 * @example
 * const ed = decodeKey32(device.ed25519);
 * @throws HypersendError `bad_key`.
 */
export function decodeKey32(text: string): Uint8Array {
  const bytes = fromBase64Url(text);
  if (bytes.length !== 32) throw HypersendError.badKey(`expected 32 bytes, got ${bytes.length}`);
  return bytes;
}

/**
 * Lowercase hex.
 *
 * @example
 * toHex(new Uint8Array([1, 255])); // '01ff'
 */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i]! < 16 ? '0' : '') + bytes[i]!.toString(16);
  return s;
}

/**
 * Parse hex (either case); rejects odd length and non-hex characters.
 *
 * @example
 * fromHex('01ff'); // Uint8Array [1, 255]
 * @throws HypersendError `invalid_argument`.
 */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw HypersendError.invalidArgument('bad hex');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const encoder = new TextEncoder();
/**
 * UTF-8 encode.
 *
 * @example
 * utf8('hé').length; // 3
 */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * Concatenate byte strings into one new array.
 *
 * @example
 * concatBytes(new Uint8Array([1]), new Uint8Array([2, 3])); // [1, 2, 3]
 */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Compare without an early exit, so timing does not reveal where two secrets differ.
 *
 * @example
 * if (!constantTimeEqual(known, presented)) throw HypersendError.keyChanged(who);
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/**
 * Length-prefixed UTF-8 (u16 big-endian length): the unambiguous way to feed several strings into
 * one hash or signature (`"ab"+"c"` must differ from `"a"+"bc"`).
 *
 * @example
 * lengthPrefixed('u_1'); // [0, 3, 117, 95, 49]
 * @throws HypersendError `invalid_argument` if longer than 65535 bytes.
 */
export function lengthPrefixed(text: string): Uint8Array {
  const body = encoder.encode(text);
  if (body.length > 0xffff) throw HypersendError.invalidArgument('string too long to length-prefix');
  const out = new Uint8Array(2 + body.length);
  out[0] = body.length >>> 8;
  out[1] = body.length & 0xff;
  out.set(body, 2);
  return out;
}
