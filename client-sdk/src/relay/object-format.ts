// Browser-safe. The byte layout of a store-and-forward relay object (FORMAT.md §8): a header
// holding the offer (version 2: the encrypted manifest once and the transfer key sealed to each
// recipient device, see envelope-set.ts; version 1: one offer envelope exactly as sent through
// signaling) followed by the transfer's CHUNK frames from `firstChunk` to the end, each with a
// length prefix. Nothing in it is plaintext: the header holds ids and ciphertext, the frames are
// the AEAD chunks of the peer-to-peer path, byte for byte.

import { HypersendError } from '../errors.ts';
import type { ChunkLayout } from '../files/chunk-layout.ts';
import { CHUNK_FRAME_OVERHEAD } from '../transfer/framing.ts';
import { bytesBefore } from '../transfer/transfer-events.ts';

/** `HSR1`: version 1, one offer envelope (objects written before the fan-out; still read). */
export const OBJECT_MAGIC_V1 = new Uint8Array([0x48, 0x53, 0x52, 0x31]);
/** `HSR2`: version 2, an envelope set (one sealed key per recipient device). */
export const OBJECT_MAGIC_V2 = new Uint8Array([0x48, 0x53, 0x52, 0x32]);
/** Header versions this SDK reads; it writes {@link OBJECT_VERSION}. */
export type ObjectVersion = 1 | 2;
/** The version new objects are written in. */
export const OBJECT_VERSION: ObjectVersion = 2;
/** Magic plus the u32 envelope length. */
export const OBJECT_PREFIX_BYTES = 8;
/** Each CHUNK frame is preceded by its length (u32 BE). */
export const RECORD_PREFIX_BYTES = 4;
/** An envelope is a few hundred bytes plus the manifest; anything near this is not ours. */
export const MAX_ENVELOPE_BYTES = 8 << 20;

/**
 * The object header: magic of `version`, envelope length, envelope JSON (UTF-8). Version 2 takes
 * an `EnvelopeSet`, version 1 (tests of old objects only) an offer envelope.
 *
 * @example
 * const header = encodeObjectHeader(envelopeSetOf([tx.offer, ...siblings]));
 */
export function encodeObjectHeader(envelope: unknown, version: ObjectVersion = OBJECT_VERSION): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(envelope));
  if (json.length > MAX_ENVELOPE_BYTES) throw HypersendError.invalidArgument('offer envelope too large');
  const out = new Uint8Array(OBJECT_PREFIX_BYTES + json.length);
  out.set(version === 1 ? OBJECT_MAGIC_V1 : OBJECT_MAGIC_V2, 0);
  new DataView(out.buffer).setUint32(4, json.length);
  out.set(json, OBJECT_PREFIX_BYTES);
  return out;
}

/**
 * Version and envelope length announced by the first {@link OBJECT_PREFIX_BYTES} bytes of an object.
 *
 * @throws HypersendError `bad_frame` when the magic is unknown or the length out of range.
 */
export function readObjectPrefix(prefix: Uint8Array): { version: ObjectVersion; envelopeBytes: number } {
  const is = (magic: Uint8Array) =>
    prefix.length >= OBJECT_PREFIX_BYTES && magic.every((b, i) => prefix[i] === b);
  const version = is(OBJECT_MAGIC_V2) ? 2 : is(OBJECT_MAGIC_V1) ? 1 : undefined;
  if (version === undefined) throw HypersendError.badFrame('not a Hypersend relay object');
  const len = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength).getUint32(4);
  if (len === 0 || len > MAX_ENVELOPE_BYTES) throw HypersendError.badFrame('relay object envelope size');
  return { version, envelopeBytes: len };
}

/**
 * Parse the envelope JSON of an object header (untrusted: the caller validates it).
 *
 * @throws HypersendError `bad_frame`.
 */
export function decodeEnvelope(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new HypersendError('bad_frame', 'relay object envelope is not JSON', { cause });
  }
}

/**
 * Where each chunk record sits in an object holding chunks `firstChunk..chunkCount-1` of a files
 * transfer. Record sizes follow from the manifest layout alone, so sender (resuming an upload from
 * the relay's offset) and recipient (resuming a download with Range) agree without reading it.
 */
export class ObjectLayout {
  constructor(
    readonly layout: ChunkLayout,
    readonly headerBytes: number,
    readonly firstChunk: number,
  ) {
    if (firstChunk < 0 || firstChunk > layout.chunkCount)
      throw HypersendError.invalidArgument('firstChunk outside the transfer');
  }

  /** Byte offset of chunk `k`'s record (`k = chunkCount`: the object's total length). */
  offsetOf(k: number): number {
    if (k < this.firstChunk || k > this.layout.chunkCount)
      throw HypersendError.invalidArgument(`chunk ${k} is not in this relay object`);
    const plain = bytesBefore(this.layout, k) - bytesBefore(this.layout, this.firstChunk);
    return this.headerBytes + plain + (k - this.firstChunk) * (RECORD_PREFIX_BYTES + CHUNK_FRAME_OVERHEAD);
  }

  /** Total object length (the tus `Upload-Length`). */
  get totalBytes(): number {
    return this.offsetOf(this.layout.chunkCount);
  }

  /**
   * The chunk whose record contains byte `offset` (or starts there), and how far into the record
   * the offset is: where a resumed upload continues.
   */
  chunkAt(offset: number): { chunk: number; skip: number } {
    if (offset < this.headerBytes) throw HypersendError.invalidArgument('offset inside the header');
    let lo = this.firstChunk;
    let hi = this.layout.chunkCount;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.offsetOf(mid) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { chunk: lo, skip: offset - this.offsetOf(lo) };
  }
}

/**
 * Splits a byte stream of length-prefixed records back into CHUNK frames. Feed it network reads
 * of any size; it yields complete frames only.
 *
 * @example
 * const parser = new RecordParser(maxFrameBytes);
 * for (const frame of parser.push(bytes)) deliver(frame);
 */
export class RecordParser {
  #buf: Uint8Array = new Uint8Array(0);

  constructor(private readonly maxFrameBytes: number) {}

  /** Bytes held that do not yet form a complete record. */
  get pending(): number {
    return this.#buf.length;
  }

  /** @throws HypersendError `bad_frame` for a record longer than `maxFrameBytes`. */
  *push(bytes: Uint8Array): Generator<Uint8Array> {
    let buf = this.#buf.length === 0 ? bytes : concat(this.#buf, bytes);
    let at = 0;
    while (buf.length - at >= RECORD_PREFIX_BYTES) {
      const len = new DataView(buf.buffer, buf.byteOffset + at, RECORD_PREFIX_BYTES).getUint32(0);
      if (len > this.maxFrameBytes) throw HypersendError.badFrame(`relay record of ${len} bytes`);
      if (buf.length - at < RECORD_PREFIX_BYTES + len) break;
      yield buf.slice(at + RECORD_PREFIX_BYTES, at + RECORD_PREFIX_BYTES + len);
      at += RECORD_PREFIX_BYTES + len;
    }
    buf = buf.subarray(at);
    this.#buf = buf.length === 0 ? new Uint8Array(0) : buf.slice();
  }
}

/** The record for one frame: u32 length prefix + the frame. */
export function encodeRecord(frame: Uint8Array): Uint8Array {
  const out = new Uint8Array(RECORD_PREFIX_BYTES + frame.length);
  new DataView(out.buffer).setUint32(0, frame.length);
  out.set(frame, RECORD_PREFIX_BYTES);
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
