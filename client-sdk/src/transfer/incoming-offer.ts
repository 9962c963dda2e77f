// Node-only: an incoming offer, verified and decrypted without touching the disk, and its
// acceptance into a folder or a stream sink (→ receiver.ts).
import type { CryptoBackend } from '../crypto/backend.ts';
import { type DeviceKeys, secretsOf } from '../crypto/device-secrets.ts';
import type { DeviceRef } from '../crypto/key-seal.ts';
import { disposeStream } from '../crypto/stream.ts';
import { fromHex } from '../encoding.ts';
import { TransferSink } from '../files/transfer-sink.ts';
import type { EngineOptions } from './engine-base.ts';
import { type OfferAnswer, type OpenedOffer, openOffer } from './offer.ts';
import { TransferReceiver } from './receiver.ts';
import { StreamSink } from './stream-sink.ts';

/** Who this device is, and the sender as this device recorded it. */
export interface OpenIncomingOptions {
  me: DeviceRef & { keys: DeviceKeys };
  /** The sender device's identity as known (and safety-number verified) here. */
  sender: DeviceRef & { ed25519PublicKey: Uint8Array };
  backend: CryptoBackend;
}

/** Options of {@link IncomingOffer.accept}. */
export interface AcceptOptions extends EngineOptions {
  /** Folder to receive into; nothing is written outside it. */
  dir: string;
  /** Replace existing files. Default false: an existing name fails with `file_exists` before any byte. */
  overwrite?: boolean;
  /**
   * Acknowledge (after fsync of `.part` and the progress record) every this many bytes. Default
   * 4 MiB (each ACK costs three fsyncs: `.part`, record, folder). Keep it well under the sender's window (default 32 MiB), or the sender idles until the idle ACK.
   */
  ackBytes?: number;
  /** Most bytes of received-but-unprocessed frames held before failing (a sender ignoring its window). */
  maxQueueBytes?: number;
}

/**
 * A verified, decrypted offer, shown to the user before anything is written.
 *
 * @example
 * const offer = await IncomingOffer.open(envelope, { me, sender: knownDevice, backend });
 * console.log(offer.sender, offer.files); // names and sizes
 * const rx = await offer.accept({ dir: '/home/me/Downloads' });
 * rx.attach(peerSessionChannel(session));
 * await rx.result;
 */
export class IncomingOffer {
  readonly transferId: string;
  readonly sender: DeviceRef;
  readonly kind: 'files' | 'stream';
  /** Names (as the sender wrote them; sanitized before writing) and sizes; a stream's size is unknown. */
  readonly files: ReadonlyArray<{ path: string; size: number | undefined }>;
  readonly totalSize: number | undefined;
  /** Plaintext bytes per chunk: relay downloads compute their ranges from it. */
  readonly chunkSize: number;

  private constructor(
    private readonly opened: OpenedOffer,
    private readonly o: OpenIncomingOptions,
  ) {
    const env = opened.envelope;
    this.transferId = env.transferId;
    this.sender = env.sender;
    this.kind = env.kind;
    const c = opened.content;
    this.files =
      c.kind === 'files'
        ? c.manifest.files.map((f) => ({ path: f.path, size: f.size }))
        : [{ path: c.stream.name, size: undefined }];
    this.totalSize = c.kind === 'files' ? c.manifest.totalSize : undefined;
    this.chunkSize = c.kind === 'files' ? c.manifest.chunkSize : c.stream.chunkSize;
  }

  /**
   * Verify and decrypt an offer envelope (untrusted JSON from signaling).
   *
   * @throws HypersendError `bad_manifest`, `seal_invalid`, `decrypt_failed`.
   */
  static async open(envelope: unknown, o: OpenIncomingOptions): Promise<IncomingOffer> {
    const opened = await openOffer(envelope, {
      me: { userId: o.me.userId, deviceId: o.me.deviceId, secrets: secretsOf(o.me.keys) },
      sender: o.sender,
      aead: o.backend.aead,
    });
    return new IncomingOffer(opened, o);
  }

  /**
   * Accept: validates every name, refuses existing files (unless `overwrite`), and picks up a
   * matching progress record from an earlier run. The transfer starts when a channel is attached.
   *
   * @throws HypersendError `unsafe_path`, `bad_manifest`, `path_escape`, `file_exists`.
   */
  async accept(o: AcceptOptions): Promise<TransferReceiver> {
    const c = this.opened.content;
    if (c.kind === 'stream') {
      const sink = await StreamSink.open({
        rootDir: o.dir,
        transferId: this.transferId,
        name: c.stream.name,
        overwrite: o.overwrite ?? false,
      });
      return new TransferReceiver(this.opened.ctx, { kind: 'stream', sink, desc: c.stream }, o);
    }
    const m = c.manifest;
    const sink = await TransferSink.open({
      rootDir: o.dir,
      transferId: this.transferId,
      manifestDigest: this.opened.digestHex,
      senderDevice: `${this.sender.userId}/${this.sender.deviceId}`,
      chunkSize: m.chunkSize,
      files: m.files.map((f) => ({
        path: f.path,
        size: f.size,
        digest: fromHex(f.blake2b),
        mtimeMs: f.mtime,
        ...(f.mode === undefined ? {} : { mode: f.mode }),
      })),
      hasher: () => this.o.backend.createFileHasher(),
      overwrite: o.overwrite ?? false,
    });
    return new TransferReceiver(this.opened.ctx, { kind: 'files', sink, manifest: m }, o);
  }

  /** The answer to send back through signaling; nothing was written. */
  decline(): OfferAnswer {
    disposeStream(this.opened.ctx);
    return { transferId: this.transferId, decision: 'decline' };
  }
}
