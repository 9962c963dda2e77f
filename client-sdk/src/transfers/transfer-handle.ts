// The object an app holds for one transfer, either direction: typed events, a result promise,
// cancel (ends it for both sides) and interrupt (stops now, keeps state for a later resume).
import { HypersendError } from '../errors.ts';
import { Emitter } from '../events.ts';
import type { TransferPath } from '../transfer/frame-channel.ts';
import type { TransferResult } from '../transfer/transfer-events.ts';

/** Which end of the transfer this device is. */
export type TransferRole = 'sender' | 'receiver';

/** One progress report: bytes, total, smoothed rate (B/s), ETA and the network path. */
export interface ProgressEvent {
  bytes: number;
  /** `undefined` for a stream of unknown length. */
  total: number | undefined;
  rate: number;
  etaSeconds: number | undefined;
  path: TransferPath | undefined;
}

/**
 * Events of a {@link Transfer}. After `done` or `error` nothing more is emitted.
 * `error.code` is stable: `declined`, `cancelled` (`details.by`: `local`|`remote`, `details.side`:
 * `sender`|`receiver`), `peer_offline`, `not_reachable`, `offer_timeout`, `key_changed`,
 * `hash_mismatch`, `decrypt_failed`, `file_exists`, `peer_connection_failed`, ...
 */
export type TransferHandleEvents = {
  /** The offer reached the recipient's device (sender side). */
  offered: { transferId: string; device: string };
  /** The recipient accepted; WebRTC negotiation starts. */
  accepted: { transferId: string };
  /** The peer connection is up (again, after a resume). */
  connected: { path: TransferPath | undefined };
  /**
   * The peer connection was lost mid-transfer (sender side); the offer is repeated until the
   * recipient comes back (then `offered`, `accepted`, `connected` again) or the resume window ends.
   * `cause`: `peer_closed` — the recipient said goodbye (its page was closed or reloaded, its
   * process is ending); `lost` — the connection went away without a word.
   */
  reconnecting: { transferId: string; cause: 'peer_closed' | 'lost' };
  progress: ProgressEvent;
  done: TransferResult;
  error: HypersendError;
};

/** What a {@link Transfer} delegates to its direction-specific driver. */
export interface TransferController {
  /** End for both sides; partial data is deleted on both. */
  cancel(message: string): Promise<void>;
  /** Stop now, keep partial data and the resume record on both sides. */
  interrupt(): Promise<void>;
}

/**
 * A running transfer. Listen before awaiting `result`; `error` is both an event and the
 * rejection of `result`.
 *
 * @example
 * const t = client.send('bob', ['./report.pdf']);
 * t.on('progress', (p) => console.log(p.bytes, p.total, p.rate, p.etaSeconds, p.path));
 * t.on('error', (e) => e.code === 'cancelled' && console.log(`cancelled by the ${e.details?.side}`));
 * await t.result;
 */
export class Transfer extends Emitter<TransferHandleEvents> {
  /** Resolves on `done`, rejects on `error`. */
  readonly result: Promise<TransferResult>;
  /** Known once the offer is built (sender) or from the start (receiver). */
  transferId: string | undefined;
  /**
   * Plaintext bytes per chunk, sealed in the manifest: known once the offer is built (sender;
   * negotiated from both ends' data-channel limits unless `chunkSize` was given) or from the
   * start (receiver).
   */
  chunkSize: number | undefined;
  #controller: TransferController | undefined;
  #settled = false;
  /**
   * Keeps a Node process alive while the transfer runs. The SDK's own timers (re-offers,
   * reconnect backoff) are unref'd so an idle client never holds a process open; without this, a
   * transfer waiting only on them (the peer connection lost, signaling reconnecting) ended the
   * process with exit code 13 and no word (an unsettled top-level await).
   */
  #keepAlive: ReturnType<typeof setInterval> | undefined = setInterval(() => undefined, 1 << 30);
  #resolve!: (r: TransferResult) => void;
  #reject!: (e: HypersendError) => void;

  /** @internal made by `client.send` and `IncomingTransfer.accept`. */
  constructor(readonly role: TransferRole) {
    super();
    this.result = new Promise<TransferResult>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.result.catch(() => undefined); // also an `error` event: never an unhandled rejection
  }

  /** True until `done` or `error`. */
  get active(): boolean {
    return !this.#settled;
  }

  /**
   * Cancel for both sides: the peer is told (its `error` has `details.by === 'remote'`) and
   * partial data is deleted.
   *
   * @example
   * process.on('SIGTERM', () => t.cancel());
   */
  cancel(message = ''): Promise<void> {
    if (!this.active) return Promise.resolve();
    if (!this.#controller) {
      this.fail(cancelled('local', this.role, 'user'));
      return Promise.resolve();
    }
    return this.#controller.cancel(message);
  }

  /**
   * Stop now but keep the receiver's `.part` files and the sender's resume record: offering the
   * same files to the same device later continues where this stopped. The peer is told
   * (`cancelled`, `details.reason === 'interrupted'`).
   *
   * @example
   * process.on('SIGINT', () => t.interrupt().then(() => process.exit(130)));
   */
  interrupt(): Promise<void> {
    if (!this.active) return Promise.resolve();
    if (!this.#controller) {
      this.fail(cancelled('local', this.role, 'interrupted'));
      return Promise.resolve();
    }
    return this.#controller.interrupt();
  }

  /** @internal */
  bind(controller: TransferController): void {
    this.#controller = controller;
  }

  /** @internal emit an event while active. */
  report<K extends 'offered' | 'accepted' | 'connected' | 'reconnecting' | 'progress'>(
    event: K,
    payload: TransferHandleEvents[K],
  ): void {
    if (this.active) (this.emit as (e: K, p: TransferHandleEvents[K]) => void)(event, payload);
  }

  /** @internal */
  succeed(r: TransferResult): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#release();
    this.emit('done', r);
    this.#resolve(r);
  }

  /** @internal */
  fail(err: HypersendError): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#release();
    this.emit('error', err);
    this.#reject(err);
  }

  #release(): void {
    clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
  }
}

/**
 * `cancelled` with who cancelled: `by` relative to this device, `side` absolute.
 *
 * @example
 * cancelled('remote', 'receiver', 'user').message; // 'transfer cancelled by the receiver'
 */
export function cancelled(by: 'local' | 'remote', side: TransferRole, reason: string): HypersendError {
  const why = reason === 'interrupted' ? ' (interrupted; can be resumed)' : '';
  return new HypersendError('cancelled', `transfer cancelled by the ${side}${why}`, {
    details: { by, side, reason },
  });
}

/** The opposite role. */
export function otherRole(r: TransferRole): TransferRole {
  return r === 'sender' ? 'receiver' : 'sender';
}
