// Node-only: what a sender is built from — its options, and for a new transfer the hashed
// manifest, key, sealed offer and chunk source (or the same, re-opened from a resume record).
import type { CryptoBackend } from '../crypto/backend.ts';
import { createManifest, decryptManifest, type ManifestFile } from '../crypto/manifest.ts';
import { createStream, type StreamContext } from '../crypto/stream.ts';
import { fromBase64Url, randomBytes, toBase64Url, toHex } from '../encoding.ts';
import { HypersendError } from '../errors.ts';
import type { ChunkLayout } from '../files/chunk-layout.ts';
import { enumerateFiles } from '../files/enumerate-files.ts';
import { FileChunkSource } from '../files/file-source.ts';
import { type ByteStream, type StreamChunk, StreamChunker } from '../files/stream-source.ts';
import { DEFAULT_CHUNK_SIZE } from './chunk-size.ts';
import type { EngineOptions } from './engine-base.ts';
import {
  newTransferId,
  type OfferEnvelope,
  type RecipientRef,
  type SenderIdentity,
  sealOffer,
} from './offer.ts';
import { loadSenderRecord, type SenderRecord, saveSenderRecord } from './sender-state.ts';

/** What to send: files and folders (resumable), or one stream of unknown length (not resumable). */
export type SendInput =
  | { kind: 'files'; paths: string | readonly string[] }
  | { kind: 'stream'; stream: ByteStream; name: string; mtimeMs?: number };

/** Tuning shared by `TransferSender.create` and `TransferSender.restore`. */
export interface SenderTuning extends EngineOptions {
  /** Crypto backend (Node: `node:crypto` AEAD and BLAKE2b). */
  backend: CryptoBackend;
  /**
   * Most plaintext bytes sent but not yet acknowledged; the sender stalls above it, so a slow
   * receiver disk throttles the sender and bounds the receiver's queue. Default 32 MiB.
   */
  windowBytes?: number;
  /** Chunks read ahead of the one being sealed and sent. Default 4. */
  readAhead?: number;
  /**
   * Long-run send rate limit in plaintext bytes per second (at least 16 KiB/s), with a short
   * burst allowance. Default: unlimited.
   */
  maxBytesPerSecond?: number;
}

/** Options of `TransferSender.create`. */
export interface SenderOptions extends SenderTuning {
  input: SendInput;
  sender: SenderIdentity;
  recipient: RecipientRef;
  /** Plaintext bytes per chunk. Default 64 KiB (every peer accepts it). */
  chunkSize?: number;
  /**
   * Where to keep the resume record (see sender-state.ts). Without it a restarted sender cannot
   * resume. Files only: streams cannot be re-read.
   */
  stateDir?: string;
  /**
   * Files only: called once with the transfer key and the offer, before the key is wiped, to seal
   * the key to more devices (the relay fan-out, transfers/relay-fanout.ts). Must not keep `key`.
   */
  onTransferKey?: (key: Uint8Array, offer: OfferEnvelope) => Promise<void>;
}

/** Where a sender's chunks come from: files (re-readable at any index) or a one-pass stream. */
export type Source =
  | { kind: 'files'; files: FileChunkSource; layout: ChunkLayout }
  | {
      kind: 'stream';
      chunks: AsyncGenerator<StreamChunk>;
      /** Chunks taken from the stream so far: the next index. */
      produced: number;
      ended: boolean;
      /** Plaintext bytes taken so far: a stream's size is known only at its end. */
      bytes: number;
    };

/** A transfer ready to send: its stream cipher, sealed offer and source. */
export interface PreparedSend {
  ctx: StreamContext;
  offer: OfferEnvelope;
  source: Source;
  chunkSize: number;
  /** The resume record folder, when the transfer has one (files only: streams cannot be re-read). */
  stateDir: string | undefined;
}

/**
 * Build a transfer: enumerate and hash the files (the manifest carries per-file digests), draw a
 * key and id, seal the key to the recipient, and persist the resume record before returning.
 *
 * @example
 * const prepared = await prepareSend({ input: { kind: 'files', paths: ['a.bin'] }, sender, recipient, backend });
 * @throws HypersendError `invalid_argument` (nothing to send), `bad_manifest`, `io`.
 */
export async function prepareSend(o: SenderOptions): Promise<PreparedSend> {
  const chunkSize = o.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const transferId = newTransferId();
  const key = randomBytes(32);
  const ctx = createStream(o.backend.aead, key, transferId);
  if (o.input.kind === 'stream') {
    const stream = {
      version: 1 as const,
      kind: 'stream' as const,
      transferId,
      chunkSize,
      name: o.input.name,
      mtime: Math.trunc(o.input.mtimeMs ?? Date.now()),
    };
    const offer = await sealOffer(ctx, key, { kind: 'stream', stream }, o.sender, o.recipient);
    key.fill(0);
    const chunker = new StreamChunker(o.input.stream, chunkSize);
    const source: Source = { kind: 'stream', chunks: chunker.chunks(), produced: 0, ended: false, bytes: 0 };
    return { ctx, offer, source, chunkSize, stateDir: undefined };
  }
  const { files } = await enumerateFiles(o.input.paths);
  if (files.length === 0) throw HypersendError.invalidArgument('nothing to send');
  const src = new FileChunkSource(files, chunkSize);
  const hasher = () => o.backend.createFileHasher();
  const entries: ManifestFile[] = [];
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    entries.push({
      path: f.path,
      size: f.size,
      mtime: Math.trunc(f.mtimeMs),
      mode: f.mode,
      blake2b: toHex(await src.fileDigest(i, hasher)),
    });
  }
  const manifest = createManifest({ transferId, chunkSize, files: entries });
  const offer = await sealOffer(ctx, key, { kind: 'files', manifest }, o.sender, o.recipient);
  await o.onTransferKey?.(key, offer);
  if (o.stateDir !== undefined) {
    await saveSenderRecord(o.stateDir, {
      version: 1,
      transferId,
      key: toBase64Url(key),
      offer,
      chunkSize,
      sources: files.map((f) => ({
        absolutePath: f.absolutePath,
        path: f.path,
        size: f.size,
        mtimeMs: f.mtimeMs,
      })),
    });
  }
  key.fill(0);
  const source: Source = { kind: 'files', files: src, layout: src.layout };
  return { ctx, offer, source, chunkSize, stateDir: o.stateDir };
}

/**
 * Re-open a transfer from its record: same id, key, manifest and offer; the files are re-opened
 * (and refused with `source_changed` if their size or mtime moved). Nothing is re-read or
 * re-hashed until the receiver says where to resume.
 *
 * @example
 * const prepared = await restoreSend(senderRecordPath(stateDir, id), { backend, stateDir });
 */
export async function restoreSend(
  recordFile: string,
  o: SenderTuning & { stateDir: string },
): Promise<PreparedSend> {
  const rec: SenderRecord = await loadSenderRecord(recordFile);
  const ctx = createStream(o.backend.aead, fromBase64Url(rec.key), rec.transferId);
  // Decrypting our own manifest proves key, id and offer still belong together.
  const manifest = decryptManifest(ctx, fromBase64Url(rec.offer.encryptedManifest));
  if (manifest.files.length !== rec.sources.length)
    throw HypersendError.badManifest('sender record does not match its manifest');
  const src = new FileChunkSource(rec.sources, rec.chunkSize);
  const source: Source = { kind: 'files', files: src, layout: src.layout };
  return { ctx, offer: rec.offer, source, chunkSize: rec.chunkSize, stateDir: o.stateDir };
}
