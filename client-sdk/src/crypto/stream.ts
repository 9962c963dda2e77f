// STREAM (Hoang, Reyhanitabar, Rogaway, Vizár 2015) over ChaCha20-Poly1305: every chunk is sealed
// under a nonce that encodes (domain, index, final flag), with a per-transfer subkey bound to the
// transfer id. See client-sdk/FORMAT.md §2 for the layout and why it was chosen.
import { Id } from '@hypersend/protocol';
import { concatBytes, lengthPrefixed, utf8 } from '../encoding.ts';
import { HypersendError } from '../errors.ts';
import { AEAD_KEY_BYTES, AEAD_NONCE_BYTES, AEAD_TAG_BYTES, type Aead } from './aead.ts';
import { blake2b256 } from './hash.ts';

/** Version of the encryption format; part of the key-derivation label, so v2 gets other keys. */
export const STREAM_VERSION = 1;

/**
 * First nonce byte: separates chunk ciphertexts from the manifest ciphertext under one key, so a
 * manifest can never be accepted as a chunk or the other way round.
 *
 * @example
 * streamNonce(NonceDomain.manifest, 0, true);
 */
export const NonceDomain = { chunk: 0x01, manifest: 0x02 } as const;
/** One of {@link NonceDomain}. */
export type NonceDomain = (typeof NonceDomain)[keyof typeof NonceDomain];

/** Largest chunk index: the nonce has 64 bits for it, JavaScript numbers are exact to 2^53 - 1. */
export const MAX_CHUNK_INDEX = Number.MAX_SAFE_INTEGER;

const KDF_LABEL = utf8(`hypersend/stream/v${STREAM_VERSION}\0`);
const TWO_32 = 2 ** 32;

/**
 * Per-transfer encryption state: the AEAD implementation, the derived subkey and the transfer id.
 * Cheap to create; holds no per-chunk state, so chunks can be sealed or opened in any order.
 *
 * @example
 * const ctx = createStream(backend.aead, transferKey, 't_42');
 */
export interface StreamContext {
  readonly aead: Aead;
  readonly transferId: string;
  /** BLAKE2b-256 keyed by the transfer key over (label, transfer id). Never leaves the process. */
  readonly key: Uint8Array;
  /** Scratch nonce, rewritten per call: the AEADs copy it, and JS runs one call at a time. */
  readonly nonce: Uint8Array;
}

/**
 * Derive the stream subkey for one transfer and bundle it with an AEAD. Needs libsodium loaded
 * (`await loadCryptoBackend()` or `await loadSodium()`).
 *
 * @example
 * const backend = await loadCryptoBackend();
 * const ctx = createStream(backend.aead, transferKey, transferId);
 * @throws HypersendError `invalid_argument` for a key that is not 32 bytes or a malformed transfer id.
 */
export function createStream(aead: Aead, transferKey: Uint8Array, transferId: string): StreamContext {
  if (transferKey.length !== AEAD_KEY_BYTES)
    throw HypersendError.invalidArgument('transfer key must be 32 bytes');
  if (!Id.safeParse(transferId).success) throw HypersendError.invalidArgument('malformed transfer id');
  const key = blake2b256(concatBytes(KDF_LABEL, lengthPrefixed(transferId)), transferKey);
  return { aead, transferId, key, nonce: new Uint8Array(AEAD_NONCE_BYTES) };
}

/**
 * Overwrite the subkey once a transfer is finished or abandoned. The context is unusable after.
 *
 * @example
 * disposeStream(ctx);
 */
export function disposeStream(ctx: StreamContext): void {
  ctx.key.fill(0);
}

/**
 * Write the 12-byte STREAM nonce: `domain ‖ 0x00 0x00 ‖ index (u64 BE) ‖ final (0x00|0x01)`.
 *
 * @example
 * streamNonce(NonceDomain.chunk, 5, false); // 01 0000 0000000000000005 00
 * @throws HypersendError `invalid_argument` for an index outside 0..2^53-1.
 */
export function streamNonce(
  domain: NonceDomain,
  index: number,
  isFinal: boolean,
  out: Uint8Array = new Uint8Array(AEAD_NONCE_BYTES),
): Uint8Array {
  if (!Number.isSafeInteger(index) || index < 0) throw HypersendError.invalidArgument('bad chunk index');
  const hi = Math.floor(index / TWO_32);
  const lo = index >>> 0;
  out[0] = domain;
  out[1] = 0;
  out[2] = 0;
  out[3] = hi >>> 24;
  out[4] = (hi >>> 16) & 0xff;
  out[5] = (hi >>> 8) & 0xff;
  out[6] = hi & 0xff;
  out[7] = lo >>> 24;
  out[8] = (lo >>> 16) & 0xff;
  out[9] = (lo >>> 8) & 0xff;
  out[10] = lo & 0xff;
  out[11] = isFinal ? 1 : 0;
  return out;
}

/**
 * Seal chunk `index` of a transfer. Returns `ciphertext ‖ tag` (plaintext length + 16).
 *
 * @example
 * const sealed = encryptChunk(ctx, 0, chunkCount === 1, plaintext);
 */
export function encryptChunk(
  ctx: StreamContext,
  index: number,
  isFinal: boolean,
  plaintext: Uint8Array,
): Uint8Array {
  return ctx.aead.seal(ctx.key, streamNonce(NonceDomain.chunk, index, isFinal, ctx.nonce), plaintext);
}

/**
 * Seal chunk `index` straight into `out` at `offset` (e.g. after a frame header); returns the
 * number of bytes written (plaintext length + 16).
 *
 * @example
 * const frame = new Uint8Array(CHUNK_HEADER_BYTES + pt.length + AEAD_TAG_BYTES);
 * encryptChunkInto(ctx, i, last, pt, frame, CHUNK_HEADER_BYTES);
 */
export function encryptChunkInto(
  ctx: StreamContext,
  index: number,
  isFinal: boolean,
  plaintext: Uint8Array,
  out: Uint8Array,
  offset: number,
): number {
  const nonce = streamNonce(NonceDomain.chunk, index, isFinal, ctx.nonce);
  return ctx.aead.sealInto(ctx.key, nonce, plaintext, undefined, out, offset);
}

/**
 * Open chunk `index`. `isFinal` must come from the receiver's own knowledge (the manifest's
 * chunk count), not from the sender's frame, so truncation is detected.
 *
 * @example
 * const plain = decryptChunk(ctx, i, i === manifest.chunkCount - 1, frame.ciphertext);
 * @throws HypersendError `decrypt_failed` (details: index, final) for a wrong key, transfer id,
 * index, final flag or any flipped bit.
 */
export function decryptChunk(
  ctx: StreamContext,
  index: number,
  isFinal: boolean,
  sealed: Uint8Array,
): Uint8Array {
  const nonce = streamNonce(NonceDomain.chunk, index, isFinal, ctx.nonce);
  try {
    return ctx.aead.open(ctx.key, nonce, sealed);
  } catch (cause) {
    throw HypersendError.decryptFailed({ index, final: isFinal }, cause);
  }
}

/**
 * Seal a manifest plaintext in the manifest domain (index 0, final). Used by `manifest.ts`.
 *
 * @example
 * const sealed = sealManifestBytes(ctx, utf8(json));
 */
export function sealManifestBytes(ctx: StreamContext, plaintext: Uint8Array): Uint8Array {
  return ctx.aead.seal(ctx.key, streamNonce(NonceDomain.manifest, 0, true, ctx.nonce), plaintext);
}

/**
 * Open a manifest ciphertext sealed by {@link sealManifestBytes}.
 *
 * @example
 * const json = new TextDecoder().decode(openManifestBytes(ctx, sealed));
 * @throws HypersendError `decrypt_failed`.
 */
export function openManifestBytes(ctx: StreamContext, sealed: Uint8Array): Uint8Array {
  try {
    return ctx.aead.open(ctx.key, streamNonce(NonceDomain.manifest, 0, true, ctx.nonce), sealed);
  } catch (cause) {
    throw HypersendError.decryptFailed({ domain: 'manifest' }, cause);
  }
}

/**
 * Number of chunks for `size` bytes (one file): `ceil(size / chunkSize)`, but at least 1 so an
 * empty file still has a chunk and an empty transfer still has a final chunk (an empty sealed
 * chunk) that proves nothing was cut off.
 *
 * @example
 * chunkCountFor(0, 65536); // 1
 * chunkCountFor(65537, 65536); // 2
 */
export function chunkCountFor(totalSize: number, chunkSize: number): number {
  return Math.max(1, Math.ceil(totalSize / chunkSize));
}

/** Bytes added to each chunk by encryption. */
export const CHUNK_OVERHEAD_BYTES = AEAD_TAG_BYTES;
