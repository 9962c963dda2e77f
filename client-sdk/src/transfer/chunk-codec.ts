// The hot path: plaintext chunk → CHUNK frame in one allocation, and back.
import { AEAD_TAG_BYTES } from '../crypto/aead.ts';
import { decryptChunk, encryptChunkInto, type StreamContext } from '../crypto/stream.ts';
import { HypersendError } from '../errors.ts';
import { CHUNK_HEADER_BYTES, writeChunkHeader } from './framing.ts';

/**
 * Encrypt chunk `index` directly into a ready-to-send CHUNK frame (header + ciphertext + tag),
 * with no intermediate ciphertext buffer.
 *
 * @example
 * channel.send(sealChunkFrame(ctx, i, i === count - 1, plaintext));
 */
export function sealChunkFrame(
  ctx: StreamContext,
  index: number,
  isFinal: boolean,
  plaintext: Uint8Array,
): Uint8Array {
  const frame = new Uint8Array(CHUNK_HEADER_BYTES + plaintext.length + AEAD_TAG_BYTES);
  writeChunkHeader(frame, index, isFinal);
  encryptChunkInto(ctx, index, isFinal, plaintext, frame, CHUNK_HEADER_BYTES);
  return frame;
}

/**
 * Decrypt the ciphertext of a decoded CHUNK frame. `chunkCount` comes from the manifest: the
 * final flag used for decryption is the receiver's own, so a sender claiming "final" early (or
 * never) fails authentication instead of truncating the file.
 *
 * @example
 * const r = decodeFrame(data, { maxChunkSize });
 * if (r.ok && r.frame.type === 'chunk') write(openChunkFrame(ctx, r.frame, manifest.chunkCount));
 * @throws HypersendError `decrypt_failed`, also when the frame's final flag disagrees with the manifest.
 */
export function openChunkFrame(
  ctx: StreamContext,
  frame: { index: number; final: boolean; ciphertext: Uint8Array },
  chunkCount: number,
): Uint8Array {
  const isFinal = frame.index === chunkCount - 1;
  // The frame's flag is a hint for manifest-less readers; a disagreement is the same forgery the
  // AEAD would reject, so it gets the same code without spending a decryption on it.
  if (frame.final !== isFinal) throw HypersendError.decryptFailed({ index: frame.index, final: frame.final });
  return decryptChunk(ctx, frame.index, isFinal, frame.ciphertext);
}
