// Browser-safe: a FrameChannel that stands in for the receiving peer and writes the sender's CHUNK
// frames into a relay object (tus). The sender engine runs unchanged: it sees a receiver that says
// HELLO + RESUME_FROM k (k from the relay's durable offset), ACKs what the relay has fsynced, and
// answers DONE once the object is complete and announced.

import { HypersendError } from '../errors.ts';
import type { ChunkLayout } from '../files/chunk-layout.ts';
import type { FrameChannel, TransferPath } from '../transfer/frame-channel.ts';
import { decodeFrame, encodeFrame, FRAME_VERSION, type Frame, FrameType } from '../transfer/framing.ts';
import { encodeRecord, ObjectLayout } from './object-format.ts';
import { isRetryable, pause } from './relay-http.ts';
import type { TusClient } from './tus-client.ts';

/** Where an upload lives, persisted by the caller so a restarted sender continues it. */
export interface RelayUploadState {
  uploadPath: string;
  firstChunk: number;
}

/** Options of {@link RelayUploadChannel}. */
export interface RelayUploadOptions {
  tus: TusClient;
  /**
   * The object's header (`encodeObjectHeader`: the envelope set). A resumed upload must pass the
   * bytes it began with (the seals are randomized): the stored prefix and the chunk offsets hang on them.
   */
  header: Uint8Array;
  transferId: string;
  /** The recipient's user id (the relay lets only this user read the object). */
  recipient: string;
  layout: ChunkLayout;
  /** First chunk the object holds when a new upload is created (the last acknowledged one). */
  firstChunk: number;
  /** An upload begun earlier (this process or a previous one): continue it from the relay's offset. */
  resume?: RelayUploadState;
  /** Persist the upload's location before any byte of it is sent. */
  saveState(state: RelayUploadState): Promise<void>;
  /** The object is complete and durable: announce it. Resolves before DONE reaches the engine. */
  onComplete(object: { objectId: string; size: number }): Promise<void>;
  /**
   * Bytes per PATCH; each PATCH ends with an fsync on the relay and an ACK here, so this is also
   * the sender's progress step and the most a crash re-sends. Default 4 MiB.
   */
  segmentBytes?: number;
  /** How long a failing relay is retried (HEAD, then PATCH from its offset) before giving up. Default 60 s. */
  retryForMs?: number;
}

const DEFAULT_SEGMENT = 4 << 20;

/**
 * Upload side of the store-and-forward fallback. Call {@link open} after attaching it to the
 * sender engine.
 *
 * @example
 * const ch = new RelayUploadChannel({ tus, header, transferId, recipient, layout,
 *   firstChunk: tx.acknowledged, saveState, onComplete: (o) => notify(o) });
 * tx.attach(ch);
 * await ch.open();
 */
export class RelayUploadChannel implements FrameChannel {
  readonly #o: RelayUploadOptions;
  readonly #frameHandlers = new Set<(f: Uint8Array) => void>();
  readonly #closeHandlers = new Set<(e?: HypersendError) => void>();
  readonly #abort = new AbortController();
  readonly #segment: number;
  #closed = false;
  #path = '';
  #object: ObjectLayout | undefined;
  /** Bytes the relay has durably (its last answered Upload-Offset). */
  #durable = 0;
  /** Object offset of the first byte not yet handed to a PATCH. */
  #bufferStart = 0;
  #parts: Uint8Array[] = [];
  #buffered = 0;
  #skip = 0;
  /** Record ends not yet acknowledged: `end` object offset → ACK `next`. */
  #pendingAcks: Array<{ end: number; next: number }> = [];
  #inflight: Promise<void> = Promise.resolve();

  constructor(o: RelayUploadOptions) {
    this.#o = o;
    this.#segment = o.segmentBytes ?? DEFAULT_SEGMENT;
  }

  /** The relay object id (known after {@link open}). */
  get objectId(): string {
    return this.#path.split('/').pop() ?? '';
  }

  /**
   * Create (or find) the upload, then greet the engine as its receiver: HELLO, and RESUME_FROM the
   * chunk at the relay's durable offset. Failures close the channel with the error.
   */
  async open(): Promise<void> {
    try {
      await this.#open();
    } catch (err) {
      this.#fail(asError(err));
    }
  }

  async #open(): Promise<void> {
    const o = this.#o;
    const header = o.header;
    let first = o.firstChunk;
    let offset = 0;
    let resumed = false;
    if (o.resume) {
      const head = await this.#retrying(() => o.tus.head(o.resume?.uploadPath ?? '')).catch(
        (err: unknown) => {
          // Expired (24 h for unfinished uploads) or deleted: start a new upload instead.
          if (HypersendError.is(err, 'not_found')) return undefined;
          throw err;
        },
      );
      if (head) {
        first = o.resume.firstChunk;
        this.#path = o.resume.uploadPath;
        offset = head.offset;
        resumed = true;
      }
    }
    const object = new ObjectLayout(o.layout, header.length, first);
    this.#object = object;
    if (!resumed) {
      this.#path = await this.#retrying(() =>
        o.tus.create({
          recipient: o.recipient,
          transferId: o.transferId,
          firstChunk: first,
          length: object.totalBytes,
        }),
      );
      await o.saveState({ uploadPath: this.#path, firstChunk: first });
    }
    this.#durable = offset;
    this.#bufferStart = offset;
    let k = first;
    if (offset < header.length) {
      this.#append(header.subarray(offset));
    } else {
      const at = object.chunkAt(offset);
      k = at.chunk;
      this.#skip = at.skip;
    }
    if (this.#closed) return;
    this.#emit({
      type: 'hello',
      maxVersion: FRAME_VERSION,
      maxChunkSize: o.layout.chunkSize,
      capabilities: 0,
      transferId: o.transferId,
    });
    this.#emit({ type: 'resume_from', index: k });
  }

  async send(frame: Uint8Array): Promise<void> {
    if (this.#closed) throw new HypersendError('peer_closed', 'relay upload channel closed');
    const type = frame[1];
    if (type === FrameType.chunk) {
      const index = Number(new DataView(frame.buffer, frame.byteOffset + 3, 8).getBigUint64(0));
      let record = encodeRecord(frame);
      if (this.#skip > 0) {
        // Resuming inside a record the relay has part of: the sealed chunk is byte-identical
        // (same key, nonce and plaintext), so its tail continues the stored bytes exactly.
        record = record.subarray(this.#skip);
        this.#skip = 0;
      }
      this.#append(record);
      this.#pendingAcks.push({ end: this.#bufferStart + this.#buffered, next: index + 1 });
      if (this.#buffered >= this.#segment) await this.#flush();
      return;
    }
    const r = decodeFrame(frame);
    if (!r.ok) return;
    switch (r.frame.type) {
      case 'done':
        await this.#finish(r.frame.chunkCount).catch((err: unknown) => {
          this.#fail(asError(err));
          throw err;
        });
        return;
      case 'cancel':
        // The sender gave up for good: the relay's quota is released now, not in 24 h.
        void this.#o.tus.terminate(this.#path).catch(() => undefined);
        this.close();
        return;
      default:
        return; // HELLO, ERROR: nothing to store
    }
  }

  onFrame(handler: (frame: Uint8Array) => void): () => void {
    this.#frameHandlers.add(handler);
    return () => this.#frameHandlers.delete(handler);
  }

  onClose(handler: (err?: HypersendError) => void): () => void {
    this.#closeHandlers.add(handler);
    return () => this.#closeHandlers.delete(handler);
  }

  async path(): Promise<TransferPath> {
    return 'relay';
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort();
  }

  #append(bytes: Uint8Array): void {
    this.#parts.push(bytes);
    this.#buffered += bytes.length;
  }

  /** Hand the buffer to a PATCH; at most one PATCH runs while the next buffer fills. */
  async #flush(): Promise<void> {
    if (this.#buffered === 0) return;
    const body = concat(this.#parts, this.#buffered);
    const start = this.#bufferStart;
    this.#parts = [];
    this.#bufferStart += this.#buffered;
    this.#buffered = 0;
    await this.#inflight; // rethrows a failed previous PATCH: the channel is closed then
    this.#inflight = this.#patch(start, body);
    this.#inflight.catch((err: unknown) => this.#fail(asError(err)));
  }

  async #patch(start: number, body: Uint8Array): Promise<void> {
    const end = start + body.length;
    await this.#retrying(async () => {
      if (this.#durable < start || this.#durable > end)
        throw new HypersendError('relay_refused', 'relay offset outside the segment being sent');
      const at = this.#durable;
      try {
        this.#durable = await this.#o.tus.patch(
          this.#path,
          at,
          body.subarray(at - start),
          this.#abort.signal,
        );
      } catch (err) {
        // Whatever reached the relay's disk before the failure counts: ask, then send the rest.
        if (isRetryable(err) || HypersendError.is(err, 'conflict')) {
          const head = await this.#o.tus.head(this.#path).catch(() => undefined);
          if (head) this.#acknowledge(head.offset);
        }
        throw HypersendError.is(err, 'conflict') ? new HypersendError('relay_unavailable', err.message) : err;
      }
      this.#acknowledge(this.#durable);
      if (this.#durable < end) throw new HypersendError('relay_unavailable', 'relay stored part of a PATCH');
    });
  }

  #acknowledge(offset: number): void {
    this.#durable = Math.max(this.#durable, offset);
    let next: number | undefined;
    while (this.#pendingAcks.length > 0 && (this.#pendingAcks[0]?.end ?? Infinity) <= this.#durable)
      next = this.#pendingAcks.shift()?.next;
    if (next !== undefined) this.#emit({ type: 'ack', next });
  }

  async #finish(chunkCount: number): Promise<void> {
    await this.#flush();
    await this.#inflight;
    const object = this.#object;
    if (!object || this.#durable !== object.totalBytes)
      throw new HypersendError('relay_refused', 'relay object incomplete at DONE');
    await this.#retrying(() => this.#o.onComplete({ objectId: this.objectId, size: object.totalBytes }));
    this.#emit({ type: 'ack', next: chunkCount });
    this.#emit({ type: 'done', chunkCount });
  }

  /** Run `fn`, retrying retryable failures with backoff (250 ms → 4 s) for `retryForMs`. */
  async #retrying<T>(fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + (this.#o.retryForMs ?? 60_000);
    let delay = 250;
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (this.#closed)
          throw new HypersendError('peer_closed', 'relay upload channel closed', { cause: err });
        if (
          !(isRetryable(err) || HypersendError.is(err, 'network', 'timeout')) ||
          Date.now() + delay > deadline
        )
          throw err;
        await pause(delay, this.#abort.signal);
        delay = Math.min(delay * 2, 4000);
      }
    }
  }

  #emit(frame: Frame): void {
    const bytes = encodeFrame(frame);
    // Delivered on a later turn: the engine may be inside `send` right now.
    queueMicrotask(() => {
      if (this.#closed) return;
      for (const h of this.#frameHandlers) h(bytes);
    });
  }

  #fail(err: HypersendError): void {
    if (this.#closed) return;
    this.close();
    for (const h of this.#closeHandlers) h(err);
  }
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1 && parts[0]) return parts[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function asError(err: unknown): HypersendError {
  return HypersendError.is(err) ? err : new HypersendError('io', String(err), { cause: err });
}
