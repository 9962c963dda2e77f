// Browser-safe: a FrameChannel that stands in for the sending peer and reads CHUNK frames from a
// relay object with HTTP ranges. The receiver engine runs unchanged: it says HELLO + RESUME_FROM k
// (its durable progress), gets HELLO and the chunks from k on, writes, verifies and ACKs them; its
// DONE acknowledges the object on the relay (deleted there) before the transfer completes.
import { HypersendError } from '../errors.ts';
import type { FrameChannel, TransferPath } from '../transfer/frame-channel.ts';
import {
  CHUNK_FRAME_OVERHEAD,
  decodeFrame,
  encodeFrame,
  FRAME_VERSION,
  type Frame,
} from '../transfer/framing.ts';
import { Wakeup } from '../transfer/transfer-events.ts';
import { type ObjectLayout, RecordParser } from './object-format.ts';
import { isRetryable, pause } from './relay-http.ts';
import type { RelayObjects } from './relay-objects.ts';

/** Options of {@link RelayDownloadChannel}. */
export interface RelayDownloadOptions {
  objects: RelayObjects;
  objectId: string;
  /** Where each chunk record sits in the object (from the manifest). */
  object: ObjectLayout;
  transferId: string;
  /** The receiver has every chunk: acknowledge the object (and its notice). */
  onComplete(): Promise<void>;
  /** Most bytes handed to the engine beyond its last ACK. Default 16 MiB. */
  windowBytes?: number;
  /** How long a failing download is retried (Range from the next chunk) before giving up. Default 60 s. */
  retryForMs?: number;
  /** Called for every GET the channel starts, with its first byte (tests, logs). */
  onRange?(from: number): void;
}

/**
 * Download side of the store-and-forward path.
 *
 * @example
 * rx.attach(new RelayDownloadChannel({ objects, objectId, object, transferId, onComplete }));
 * await rx.result;
 */
export class RelayDownloadChannel implements FrameChannel {
  readonly #o: RelayDownloadOptions;
  readonly #frameHandlers = new Set<(f: Uint8Array) => void>();
  readonly #closeHandlers = new Set<(e?: HypersendError) => void>();
  readonly #abort = new AbortController();
  readonly #wake = new Wakeup();
  #closed = false;
  #acked = 0;
  #run = 0;

  constructor(o: RelayDownloadOptions) {
    this.#o = o;
  }

  async send(frame: Uint8Array): Promise<void> {
    if (this.#closed) throw new HypersendError('peer_closed', 'relay download channel closed');
    const r = decodeFrame(frame);
    if (!r.ok) return;
    const f = r.frame;
    switch (f.type) {
      case 'resume_from': {
        this.#acked = f.index;
        const run = ++this.#run;
        this.#download(run, f.index).catch((err: unknown) => {
          if (run === this.#run) this.#fail(asError(err));
        });
        return;
      }
      case 'ack':
        this.#acked = Math.max(this.#acked, f.next);
        this.#wake.notify();
        return;
      case 'done':
        // Awaited by the engine before it reports success: the object is gone from the relay
        // once the file is in place. A failed ack only leaves the object to expire.
        await this.#o.onComplete().catch(() => undefined);
        return;
      default:
        return; // HELLO; ERROR/CANCEL end the engine, which closes us
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
    this.#run++;
    this.#abort.abort();
    this.#wake.notify();
  }

  async #download(run: number, from: number): Promise<void> {
    const { object, objects, objectId } = this.#o;
    const count = object.layout.chunkCount;
    if (from < object.firstChunk)
      throw new HypersendError(
        'unsupported',
        `the relay holds chunks from ${object.firstChunk}, this device has only up to ${from}`,
      );
    this.#emit({
      type: 'hello',
      maxVersion: FRAME_VERSION,
      maxChunkSize: object.layout.chunkSize,
      capabilities: 0,
      transferId: this.#o.transferId,
    });
    const window = this.#o.windowBytes ?? 16 << 20;
    const windowChunks = Math.max(2, Math.floor(window / object.layout.chunkSize));
    const maxFrame = object.layout.chunkSize + CHUNK_FRAME_OVERHEAD;
    const deadline = () => Date.now() + (this.#o.retryForMs ?? 60_000);
    let giveUpAt = deadline();
    let delay = 250;
    let next = from;
    while (next < count) {
      if (run !== this.#run) return;
      try {
        const start = object.offsetOf(next);
        this.#o.onRange?.(start);
        const res = await objects.download(objectId, start, undefined, this.#abort.signal);
        if (res.status === 200 && start > 0) throw new HypersendError('relay_refused', 'relay ignored Range');
        const reader = (res.body as ReadableStream<Uint8Array>).getReader();
        const parser = new RecordParser(maxFrame);
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            for (const frame of parser.push(value)) {
              while (run === this.#run && next - this.#acked >= windowChunks) await this.#wake.wait();
              if (run !== this.#run) return;
              this.#deliver(frame);
              next++;
              giveUpAt = deadline(); // progress: the retry budget starts over
              delay = 250;
            }
          }
        } finally {
          reader.cancel().catch(() => undefined);
        }
        if (next < count) throw new HypersendError('relay_unavailable', 'relay download ended early');
      } catch (err) {
        if (run !== this.#run || this.#closed) return;
        // 404 mid-download: another device of this user acknowledged it (or it expired). Not
        // retryable, and nothing to resume from: say so with its own code.
        if (HypersendError.is(err, 'not_found'))
          throw new HypersendError(
            'relay_object_gone',
            'the relay object is gone: picked up by another device, or expired',
            {
              cause: err,
            },
          );
        const retry = isRetryable(err) || (err instanceof TypeError && !HypersendError.is(err));
        if (!retry || Date.now() + delay > giveUpAt) throw err;
        await pause(delay, this.#abort.signal);
        delay = Math.min(delay * 2, 4000);
      }
    }
  }

  #deliver(frame: Uint8Array): void {
    for (const h of this.#frameHandlers) h(frame);
  }

  #emit(frame: Frame): void {
    this.#deliver(encodeFrame(frame));
  }

  #fail(err: HypersendError): void {
    if (this.#closed) return;
    this.close();
    for (const h of this.#closeHandlers) h(err);
  }
}

function asError(err: unknown): HypersendError {
  if (HypersendError.is(err)) return err;
  return new HypersendError('relay_unavailable', `relay download failed: ${String(err)}`, { cause: err });
}
