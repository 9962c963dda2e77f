import { constants, type IntervalHistogram, PerformanceObserver } from 'node:perf_hooks';
import type { LoopStall } from './loop-stalls.ts';
import type { HistogramData } from './signaling-histogram.ts';

/** The server under test: Hypersend's signaling, or peerjs-server (npm `peer`) as the reference. */
export type SignalingTarget = 'hypersend' | 'peerjs';

/**
 * IPC between the signaling benchmark and its load-generator workers. Each worker owns a
 * contiguous range of users, paired (2k, 2k+1) as contacts; both ends of a pair live in the
 * same worker, so a latency is one `performance.now()` minus another of the same clock.
 */
export interface LoadWorkerConfig {
  index: number;
  /**
   * Which server's protocol the generator speaks: ours, or peerjs-server's (the reference), which
   * routes `{"type":"CANDIDATE","dst":<peer id>,"payload":…}` between peer ids and stamps `src`.
   */
  target: SignalingTarget;
  /** `http://127.0.0.1:PORT` */
  url: string;
  wsUrl: string;
  /** First user index of this worker (even) and how many users (even). */
  firstUser: number;
  users: number;
  issuer: string;
  audience: string;
  privateKeyPem: string;
  ack: boolean;
  connectConcurrency: number;
  httpConcurrency: number;
}

/** Parent → worker. Each command is answered by exactly one message (or `error`). */
export type ToLoadWorker =
  | { t: 'provision' }
  | { t: 'connect' }
  /** A closed loop with `window` signals in flight per pair (both directions together). */
  | { t: 'throughput'; durationMs: number; window: number }
  | { t: 'latency'; durationMs: number; rate: number }
  /** One signal each way per pair, unmeasured, until all are back (fills the server's caches). */
  | { t: 'warmUp' }
  | { t: 'status' }
  | { t: 'exit' };

/**
 * Event-loop delay of a process during a phase (`monitorEventLoopDelay`, 1 ms timer), in
 * milliseconds: how long the loop could not run a due timer, i.e. how long it stalled.
 */
export interface LoopDelaySummary {
  /** Timer intervals measured. */
  count: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** Garbage-collection pauses in the same interval (absent in older results). */
  gc?: GcSummary;
  /** The longest stalls, split into on-CPU, run-queue and off-CPU time (absent in older results). */
  stalls?: LoopStall[];
}

/** GC pauses of a process during a phase (`PerformanceObserver` 'gc' entries). */
export interface GcSummary {
  count: number;
  /** Full (mark-compact) collections among them. */
  major: number;
  maxMs: number;
  totalMs: number;
}

/**
 * Collects GC pauses from `enable()` on; `take()` returns them and starts over.
 *
 * @example
 * const gc = new GcPauses(); gc.enable(); … ; const summary = gc.take();
 */
export class GcPauses {
  private summary: GcSummary = { count: 0, major: 0, maxMs: 0, totalMs: 0 };
  private observer: PerformanceObserver | null = null;

  enable(): void {
    this.observer ??= new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const s = this.summary;
        s.count += 1;
        s.totalMs += e.duration;
        if (e.duration > s.maxMs) s.maxMs = e.duration;
        // GC entries carry their kind in `detail` (Node ≥ 16), which the entry type does not declare.
        const kind = (e as { detail?: { kind?: number } }).detail?.kind;
        if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) s.major += 1;
      }
    });
    this.observer.observe({ entryTypes: ['gc'] });
  }

  disable(): void {
    this.observer?.disconnect();
    this.observer = null;
  }

  take(): GcSummary {
    const s = this.summary;
    this.summary = { count: 0, major: 0, maxMs: 0, totalMs: 0 };
    return s;
  }
}

/** A `monitorEventLoopDelay` histogram's figures in milliseconds. */
export function loopDelaySummary(
  h: IntervalHistogram,
  gc?: GcSummary,
  stalls?: LoopStall[],
): LoopDelaySummary {
  const ms = (ns: number): number => ns / 1e6;
  return {
    count: h.count,
    p50Ms: ms(h.percentile(50)),
    p99Ms: ms(h.percentile(99)),
    p999Ms: ms(h.percentile(99.9)),
    maxMs: ms(h.max),
    ...(gc === undefined ? {} : { gc }),
    ...(stalls === undefined ? {} : { stalls }),
  };
}

/** How the server's loop monitor (`signaling-loop-monitor.ts`) starts its stdout line. */
export const LOOP_DELAY_PREFIX = 'LOOP_DELAY ';

/** Frames the worker saw that are not signals or acks, by kind (errors by code). */
export type FrameCounts = Record<string, number>;

export type FromLoadWorker =
  | { t: 'provisioned'; users: number; requests: number; ms: number }
  | {
      t: 'connected';
      held: number;
      failed: number;
      ms: number;
      failures: Record<string, number>;
      /** Connections opened again after this kind of failure (and then counted as held or failed). */
      retries: Record<string, number>;
    }
  | {
      t: 'throughput';
      delivered: number;
      acks: number;
      ms: number;
      other: FrameCounts;
      /** Delivery latency of the closed loop, for information (it is queueing, not service, time). */
      histogram: HistogramData;
    }
  | {
      t: 'latency';
      sent: number;
      received: number;
      acks: number;
      ms: number;
      /** Largest lag of the send schedule behind wall time: shows whether the generator kept up. */
      maxScheduleLagMs: number;
      /** This worker's own event-loop delay during the phase (generator stalls). */
      loopDelay: LoopDelaySummary;
      other: FrameCounts;
      histogram: HistogramData;
    }
  | { t: 'warmedUp'; signals: number; missing: number; ms: number }
  | { t: 'status'; open: number; closes: Record<string, number> }
  | { t: 'error'; message: string };
