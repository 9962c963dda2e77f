// Binary frames of the transfer data channel. Layout in client-sdk/FORMAT.md §5. Browser-safe.
import { AEAD_TAG_BYTES } from '../crypto/aead.ts';
import { HypersendError } from '../errors.ts';
import { MAX_CHUNK_SIZE } from './chunk-size.ts';

/** Framing version carried in byte 0 of every frame. */
export const FRAME_VERSION = 1;
/** Header of a CHUNK frame: version, type, flags, u64 index. */
export const CHUNK_HEADER_BYTES = 11;
/** Bytes a CHUNK frame adds to the plaintext: header plus Poly1305 tag. */
export const CHUNK_FRAME_OVERHEAD = CHUNK_HEADER_BYTES + AEAD_TAG_BYTES;
/** Longest UTF-8 message in CANCEL and ERROR frames. */
export const MAX_FRAME_MESSAGE_BYTES = 1024;
/** Largest control (non-CHUNK) frame. */
export const MAX_CONTROL_FRAME_BYTES = 2048;

/** Frame type byte. */
export const FrameType = {
  hello: 0x01,
  chunk: 0x02,
  ack: 0x03,
  resumeFrom: 0x04,
  cancel: 0x05,
  done: 0x06,
  error: 0x07,
} as const;

/** Why a side cancelled; the byte on the wire. */
export const CancelReason = { user: 1, timeout: 2, error: 3, superseded: 4, sourceChanged: 5 } as const;
/** One of {@link CancelReason}'s names. */
export type CancelReason = keyof typeof CancelReason;
const CANCEL_NAMES = new Map<number, CancelReason>(
  Object.entries(CancelReason).map(([k, v]) => [v, k as CancelReason]),
);

/** Bit 0 of the CHUNK flags byte. */
const FLAG_FINAL = 0x01;
const ERROR_CODE = /^[a-z0-9_]{1,64}$/;
const TRANSFER_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A decoded data-channel frame. Exhaustive `switch (frame.type)` is the intended use.
 *
 * @example
 * switch (frame.type) { case 'chunk': ...; case 'ack': ...; default: assertNever(frame); }
 */
export type Frame =
  | {
      type: 'hello';
      /** Highest framing version the sender speaks (this one: 1). */
      maxVersion: number;
      /** Largest chunk plaintext the sender accepts. */
      maxChunkSize: number;
      /** Capability bits; none defined yet, unknown bits are ignored. */
      capabilities: number;
      transferId: string;
    }
  | { type: 'chunk'; index: number; final: boolean; ciphertext: Uint8Array }
  | { type: 'ack' /** Chunks 0..next-1 are all received and stored. */; next: number }
  | { type: 'resume_from'; index: number }
  | { type: 'cancel'; reason: CancelReason; message: string }
  | { type: 'done'; chunkCount: number }
  | { type: 'error'; code: string; message: string };

/** Result of {@link decodeFrame}: never an exception. */
export type DecodeFrameResult =
  | { ok: true; frame: Frame }
  | { ok: false; code: 'bad_frame' | 'payload_too_large' | 'unsupported_version'; message: string };

/** Options of {@link decodeFrame}. */
export interface DecodeFrameOptions {
  /** Negotiated chunk size; CHUNK frames carrying more plaintext are rejected. Default 1 MiB. */
  maxChunkSize?: number;
}

const TWO_32 = 2 ** 32;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function writeU64(dv: DataView, offset: number, n: number): void {
  dv.setUint32(offset, Math.floor(n / TWO_32));
  dv.setUint32(offset + 4, n >>> 0);
}

function checkU64(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0)
    throw HypersendError.invalidArgument(`${what} must be a safe non-negative integer`);
}

function messageBytes(message: string): Uint8Array {
  const b = encoder.encode(message);
  // Truncation rather than an error: messages are diagnostics; cut on a UTF-8 boundary.
  if (b.length <= MAX_FRAME_MESSAGE_BYTES) return b;
  let end = MAX_FRAME_MESSAGE_BYTES;
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--;
  return b.subarray(0, end);
}

/**
 * Write a CHUNK header into `out[0..11)`; the sealed chunk follows at {@link CHUNK_HEADER_BYTES}.
 *
 * @example
 * writeChunkHeader(frame, index, isFinal);
 */
export function writeChunkHeader(out: Uint8Array, index: number, isFinal: boolean): void {
  checkU64(index, 'chunk index');
  out[0] = FRAME_VERSION;
  out[1] = FrameType.chunk;
  out[2] = isFinal ? FLAG_FINAL : 0;
  writeU64(new DataView(out.buffer, out.byteOffset, out.byteLength), 3, index);
}

/**
 * Encode a frame. CHUNK frames copy `ciphertext`; on the hot path prefer `sealChunkFrame`, which
 * encrypts straight into the frame.
 *
 * @example
 * channel.send(encodeFrame({ type: 'ack', next: 42 }));
 * @throws HypersendError `invalid_argument` for out-of-range fields (a programming error).
 */
export function encodeFrame(frame: Frame): Uint8Array {
  switch (frame.type) {
    case 'hello': {
      if (!TRANSFER_ID.test(frame.transferId)) throw HypersendError.invalidArgument('bad transfer id');
      if (!Number.isInteger(frame.maxVersion) || frame.maxVersion < 1 || frame.maxVersion > 255)
        throw HypersendError.invalidArgument('maxVersion must be 1..255');
      const out = new Uint8Array(12 + frame.transferId.length);
      const dv = new DataView(out.buffer);
      out[0] = FRAME_VERSION;
      out[1] = FrameType.hello;
      out[2] = frame.maxVersion;
      dv.setUint32(3, frame.maxChunkSize >>> 0);
      dv.setUint32(7, frame.capabilities >>> 0);
      out[11] = frame.transferId.length;
      out.set(encoder.encode(frame.transferId), 12);
      return out;
    }
    case 'chunk': {
      if (frame.ciphertext.length < AEAD_TAG_BYTES)
        throw HypersendError.invalidArgument('ciphertext shorter than a tag');
      const out = new Uint8Array(CHUNK_HEADER_BYTES + frame.ciphertext.length);
      writeChunkHeader(out, frame.index, frame.final);
      out.set(frame.ciphertext, CHUNK_HEADER_BYTES);
      return out;
    }
    case 'ack':
      return u64Frame(FrameType.ack, frame.next, 'ack');
    case 'resume_from':
      return u64Frame(FrameType.resumeFrom, frame.index, 'resume index');
    case 'done':
      return u64Frame(FrameType.done, frame.chunkCount, 'chunk count');
    case 'cancel': {
      const msg = messageBytes(frame.message);
      const out = new Uint8Array(5 + msg.length);
      out[0] = FRAME_VERSION;
      out[1] = FrameType.cancel;
      out[2] = CancelReason[frame.reason];
      new DataView(out.buffer).setUint16(3, msg.length);
      out.set(msg, 5);
      return out;
    }
    case 'error': {
      if (!ERROR_CODE.test(frame.code))
        throw HypersendError.invalidArgument('error code must match [a-z0-9_]{1,64}');
      const msg = messageBytes(frame.message);
      const out = new Uint8Array(5 + frame.code.length + msg.length);
      out[0] = FRAME_VERSION;
      out[1] = FrameType.error;
      out[2] = frame.code.length;
      out.set(encoder.encode(frame.code), 3);
      new DataView(out.buffer).setUint16(3 + frame.code.length, msg.length);
      out.set(msg, 5 + frame.code.length);
      return out;
    }
  }
}

function u64Frame(type: number, n: number, what: string): Uint8Array {
  checkU64(n, what);
  const out = new Uint8Array(10);
  out[0] = FRAME_VERSION;
  out[1] = type;
  writeU64(new DataView(out.buffer), 2, n);
  return out;
}

type Fail = Extract<DecodeFrameResult, { ok: false }>;
const bad = (message: string): Fail => ({ ok: false, code: 'bad_frame', message });

/**
 * Decode one frame from the data channel. Never throws: garbage, truncation, trailing bytes,
 * unknown types, unsafe integers and invalid UTF-8 give `{ ok: false, code: 'bad_frame' }`;
 * CHUNK frames over the negotiated size give `payload_too_large`; another version byte gives
 * `unsupported_version`. CHUNK ciphertext is a view into `data`, not a copy.
 *
 * @example
 * const r = decodeFrame(event.data, { maxChunkSize: negotiated });
 * if (!r.ok) return fail(r.code, r.message);
 */
export function decodeFrame(
  data: ArrayBuffer | ArrayBufferView,
  options: DecodeFrameOptions = {},
): DecodeFrameResult {
  try {
    return decodeUnsafe(data, options);
  } catch (err) {
    // Unreachable by construction (every read is bounds-checked); kept so the promise holds.
    return bad(`undecodable: ${err instanceof Error ? err.message : 'unknown'}`);
  }
}

function decodeUnsafe(data: ArrayBuffer | ArrayBufferView, options: DecodeFrameOptions): DecodeFrameResult {
  const bytes =
    data instanceof Uint8Array
      ? data
      : ArrayBuffer.isView(data)
        ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
        : data instanceof ArrayBuffer
          ? new Uint8Array(data)
          : undefined;
  if (bytes === undefined) return bad('not binary');
  if (bytes.length < 2) return bad('shorter than a header');
  if (bytes[0] !== FRAME_VERSION) {
    return { ok: false, code: 'unsupported_version', message: `framing version ${bytes[0]}` };
  }
  const type = bytes[1]!;
  const maxChunk = options.maxChunkSize ?? MAX_CHUNK_SIZE;
  if (type !== FrameType.chunk && bytes.length > MAX_CONTROL_FRAME_BYTES)
    return bad('control frame too long');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u64 = (o: number): number | undefined => {
    const hi = dv.getUint32(o);
    // Above 2^53 - 1 a JS number loses precision; no legitimate peer sends such an index.
    return hi > 0x1fffff ? undefined : hi * TWO_32 + dv.getUint32(o + 4);
  };
  switch (type) {
    case FrameType.hello: {
      if (bytes.length < 12) return bad('truncated hello');
      const idLen = bytes[11]!;
      if (bytes.length !== 12 + idLen) return bad('hello length mismatch');
      const transferId = String.fromCharCode(...bytes.subarray(12));
      if (!TRANSFER_ID.test(transferId)) return bad('hello transfer id malformed');
      if (bytes[2] === 0) return bad('hello maxVersion 0');
      return {
        ok: true,
        frame: {
          type: 'hello',
          maxVersion: bytes[2]!,
          maxChunkSize: dv.getUint32(3),
          capabilities: dv.getUint32(7),
          transferId,
        },
      };
    }
    case FrameType.chunk: {
      if (bytes.length < CHUNK_HEADER_BYTES + AEAD_TAG_BYTES) return bad('truncated chunk');
      if (bytes.length > CHUNK_HEADER_BYTES + AEAD_TAG_BYTES + maxChunk) {
        return { ok: false, code: 'payload_too_large', message: 'chunk exceeds negotiated size' };
      }
      const flags = bytes[2]!;
      if ((flags & ~FLAG_FINAL) !== 0) return bad('unknown chunk flags');
      const index = u64(3);
      if (index === undefined) return bad('chunk index out of range');
      return {
        ok: true,
        frame: {
          type: 'chunk',
          index,
          final: (flags & FLAG_FINAL) !== 0,
          ciphertext: bytes.subarray(CHUNK_HEADER_BYTES),
        },
      };
    }
    case FrameType.ack:
    case FrameType.resumeFrom:
    case FrameType.done: {
      if (bytes.length !== 10) return bad('u64 frame length mismatch');
      const n = u64(2);
      if (n === undefined) return bad('integer out of range');
      const frame: Frame =
        type === FrameType.ack
          ? { type: 'ack', next: n }
          : type === FrameType.done
            ? { type: 'done', chunkCount: n }
            : { type: 'resume_from', index: n };
      return { ok: true, frame };
    }
    case FrameType.cancel: {
      if (bytes.length < 5) return bad('truncated cancel');
      const reason = CANCEL_NAMES.get(bytes[2]!);
      if (reason === undefined) return bad('unknown cancel reason');
      const message = readMessage(bytes, dv, 3);
      if (message === undefined) return bad('cancel message malformed');
      return { ok: true, frame: { type: 'cancel', reason, message } };
    }
    case FrameType.error: {
      if (bytes.length < 3) return bad('truncated error');
      const codeLen = bytes[2]!;
      if (bytes.length < 5 + codeLen) return bad('truncated error');
      const code = String.fromCharCode(...bytes.subarray(3, 3 + codeLen));
      if (!ERROR_CODE.test(code)) return bad('error code malformed');
      const message = readMessage(bytes, dv, 3 + codeLen);
      if (message === undefined) return bad('error message malformed');
      return { ok: true, frame: { type: 'error', code, message } };
    }
    default:
      return bad(`unknown frame type ${type}`);
  }
}

// u16 length + UTF-8 body that must end exactly at the end of the frame.
function readMessage(bytes: Uint8Array, dv: DataView, offset: number): string | undefined {
  if (bytes.length < offset + 2) return undefined;
  const len = dv.getUint16(offset);
  if (len > MAX_FRAME_MESSAGE_BYTES || bytes.length !== offset + 2 + len) return undefined;
  try {
    return decoder.decode(bytes.subarray(offset + 2));
  } catch {
    return undefined;
  }
}
