// Typed events, errors and progress accounting shared by TransferSender and TransferReceiver.
import { HypersendError, type HypersendErrorCode, SdkErrorCode } from '../errors.ts';
import type { ChunkLayout } from '../files/chunk-layout.ts';
import type { TransferPath } from './frame-channel.ts';

/** One progress report. Rates are smoothed; `etaSeconds` is absent while unknown (streams). */
export interface TransferProgress {
  /** Bytes done: acknowledged by the receiver (sender side) or stored (receiver side). */
  bytes: number;
  /** Total bytes, or `undefined` for a stream. */
  total: number | undefined;
  /** Bytes per second, exponentially smoothed over ~1 s. */
  rate: number;
  etaSeconds: number | undefined;
  /** Path of the current connection, once known. */
  path: TransferPath | undefined;
}

/** Outcome of a finished transfer. */
export interface TransferResult {
  transferId: string;
  bytes: number;
  chunkCount: number;
  /** Chunks this process handed to channels (sender side; 0 on the receiver). */
  sentChunks: number;
  /** Chunks sent more than once because of resumes (sender side; 0 on the receiver). */
  resentChunks: number;
  /** Number of channels the transfer used (1 + reconnects). */
  connections: number;
}

/**
 * Events of a transfer (either side). After `done` or `error` nothing more is emitted.
 *
 * @example
 * t.on('progress', (p) => bar.update(p.bytes / (p.total ?? 1)));
 * t.on('error', (e) => e.code === 'cancelled' && say(`cancelled by ${e.details?.by}`));
 */
export type TransferEvents = {
  progress: (p: TransferProgress) => void;
  done: (r: TransferResult) => void;
  error: (e: HypersendError) => void;
  /**
   * The channel closed before the end; `attach` a new one to resume (`err` is the channel's;
   * `byPeer`: the peer said goodbye rather than the connection being lost).
   */
  disconnected: (err: HypersendError | undefined, byPeer: boolean) => void;
};

/** Which side an error or cancel came from. */
export type Side = 'local' | 'remote';

/**
 * `cancelled`, saying which side cancelled and why.
 *
 * @example
 * cancelledError('remote', 'user').details; // { by: 'remote', reason: 'user' }
 */
export function cancelledError(by: Side, reason: string, message = ''): HypersendError {
  return new HypersendError(
    'cancelled',
    `transfer cancelled by the ${by === 'local' ? 'local' : 'remote'} side${message ? `: ${message}` : ''}`,
    {
      details: { by, reason },
    },
  );
}

const KNOWN = new Set<string>(Object.values(SdkErrorCode));

/** The error a peer reported in an ERROR frame, typed with its code when the code is known. */
export function remoteError(code: string, message: string): HypersendError {
  const c = (KNOWN.has(code) ? code : 'bad_frame') as HypersendErrorCode;
  return new HypersendError(c, `peer reported ${code}: ${message}`, {
    details: { by: 'remote', remoteCode: code },
  });
}

/**
 * Whether a transfer that ended with `err` keeps its resume state (sender record, receiver `.part`
 * and progress record): only the connection was lost, or the user interrupted (Ctrl-C) to resume
 * later. A cancel, a decline, tampering or any integrity/disk failure ends it for good.
 *
 * @example
 * if (!keepsResumeState(err)) await sink.abort();
 */
export function keepsResumeState(err: HypersendError | undefined): boolean {
  if (err === undefined) return false;
  if (err.code === 'cancelled') return err.details?.by === 'local' && err.details.reason === 'interrupted';
  return /^peer_|^data_channel_error$/u.test(err.code);
}

/** Wrap anything thrown into a HypersendError marked as local. */
export function localError(err: unknown): HypersendError {
  if (HypersendError.is(err)) return err;
  return new HypersendError('io', err instanceof Error ? err.message : String(err), {
    cause: err,
    details: { by: 'local' },
  });
}

/** Plaintext bytes stored in chunks `0..k-1` of a layout (chunks never span files). */
export function bytesBefore(layout: ChunkLayout, k: number): number {
  let bytes = 0;
  for (let f = 0; f < layout.sizes.length; f++) {
    const first = layout.firstChunk[f] ?? 0;
    const size = layout.sizes[f] ?? 0;
    if (k >= first + (layout.chunkCounts[f] ?? 1)) bytes += size;
    else {
      if (k > first) bytes += Math.min(size, (k - first) * layout.chunkSize);
      break;
    }
  }
  return bytes;
}

/**
 * Turns byte counts into throttled progress reports (at most one per `intervalMs`, plus the last).
 */
export class ProgressMeter {
  #rate = 0;
  #lastBytes = 0;
  #lastAt = 0;
  #emittedAt = 0;
  path: TransferPath | undefined;

  constructor(
    readonly total: number | undefined,
    private readonly emit: (p: TransferProgress) => void,
    private readonly intervalMs = 100,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Restart the rate measurement at `bytes` (e.g. after a resume). */
  reset(bytes: number): void {
    this.#lastBytes = bytes;
    this.#lastAt = this.now();
  }

  update(bytes: number, force = false): void {
    const t = this.now();
    if (!force && t - this.#emittedAt < this.intervalMs) return;
    const dt = (t - this.#lastAt) / 1000;
    if (dt > 0) {
      const inst = (bytes - this.#lastBytes) / dt;
      // EMA with a ~1 s time constant: stable numbers without hiding a stall for long.
      const a = Math.min(1, dt);
      this.#rate = this.#rate === 0 ? inst : this.#rate + a * (inst - this.#rate);
    }
    this.#lastBytes = bytes;
    this.#lastAt = t;
    this.#emittedAt = t;
    const eta =
      this.total === undefined || this.#rate <= 0
        ? undefined
        : Math.max(0, (this.total - bytes) / this.#rate);
    this.emit({ bytes, total: this.total, rate: this.#rate, etaSeconds: eta, path: this.path });
  }
}

/** A re-armable wake-up: `wait()` resolves on the next `notify()`. */
export class Wakeup {
  #waiters: Array<() => void> = [];
  wait(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
  notify(): void {
    for (const w of this.#waiters.splice(0)) w();
  }
}
