/**
 * The longest event-loop stalls of this process's main thread, each split by where its time
 * went. A 1 ms timer notes every gap between its runs longer than {@link STALL_MS}; at each run
 * it reads the main thread's `/proc/self/task/<pid>/schedstat` (time on a CPU, time runnable
 * but waiting for one), so a stall reads as:
 *
 * - **on CPU**: this thread ran the whole time — our code, or the collector's pause (GC time
 *   overlapping the stall is reported beside it);
 * - **run queue**: the thread was ready but the CPUs were busy with other threads or processes
 *   (the machine, not this code);
 * - the rest (beyond the timer's own 1 ms) **off CPU**: neither running nor queued — asleep in
 *   a synchronous system call (disk I/O, a lock), or running on a virtual CPU that the
 *   hypervisor had taken away (steal time is in neither of the two counters). On this path the
 *   server makes no blocking calls, so here it reads as steal; the phase's `steal` figure says
 *   how much there was.
 *
 * One pread per millisecond costs ~0.5 % of a core. Linux only; elsewhere nothing is recorded.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';

/** A gap between two 1 ms timer runs at least this long is a stall. */
export const STALL_MS = 5;
/** The timer's own interval: that much of every gap is the loop waiting for it, not a stall. */
const INTERVAL_MS = 1;
/** How many of the longest stalls a summary keeps. */
export const STALLS_KEPT = 5;

/** One stall, times in milliseconds. */
export interface LoopStall {
  /** When it began, from the start of the measured window. */
  atMs: number;
  /** When it began, in ms since the epoch: comparable across processes on one machine. */
  atEpochMs: number;
  ms: number;
  onCpuMs: number;
  runQueueMs: number;
  offCpuMs: number;
  /** GC pause time inside the stall (`PerformanceObserver` 'gc' entries). */
  gcMs: number;
}

interface Sched {
  runNs: number;
  waitNs: number;
}

/**
 * @example
 * const stalls = new LoopStalls(); stalls.enable(); … ; const longest = stalls.take();
 */
export class LoopStalls {
  private fd = -1;
  private readonly buf = Buffer.alloc(96);
  private timer: ReturnType<typeof setInterval> | undefined;
  private observer: PerformanceObserver | undefined;
  private windowStart = performance.now();
  private lastAt = 0;
  private last: Sched = { runNs: 0, waitNs: 0 };
  private stalls: LoopStall[] = [];
  /** Recent GC pauses as [start, end] on the performance clock. */
  private gcs: Array<[number, number]> = [];

  enable(): void {
    try {
      this.fd = openSync(`/proc/self/task/${process.pid}/schedstat`, 'r');
    } catch {
      return; // not Linux, or no schedstat: record nothing rather than guess
    }
    this.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) this.gcs.push([e.startTime, e.startTime + e.duration]);
      if (this.gcs.length > 512) this.gcs.splice(0, this.gcs.length - 512);
    });
    this.observer.observe({ entryTypes: ['gc'] });
    this.lastAt = performance.now();
    this.last = this.read();
    this.timer = setInterval(() => this.tick(), INTERVAL_MS);
    this.timer.unref();
  }

  disable(): void {
    clearInterval(this.timer);
    this.observer?.disconnect();
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  /** The longest stalls since the previous call (or `enable`), longest first; starts over. */
  take(): LoopStall[] {
    const out = this.stalls
      .sort((a, b) => b.ms - a.ms)
      .slice(0, STALLS_KEPT)
      .map((s) => ({ ...s, gcMs: this.gcInside(s), atMs: s.atMs - this.windowStart }));
    this.stalls = [];
    this.windowStart = performance.now();
    return out;
  }

  private tick(): void {
    const now = performance.now();
    const sched = this.read();
    const ms = now - this.lastAt;
    if (ms >= STALL_MS) {
      const onCpuMs = (sched.runNs - this.last.runNs) / 1e6;
      const runQueueMs = (sched.waitNs - this.last.waitNs) / 1e6;
      this.stalls.push({
        atMs: this.lastAt,
        atEpochMs: performance.timeOrigin + this.lastAt,
        ms,
        onCpuMs,
        runQueueMs,
        offCpuMs: Math.max(0, ms - INTERVAL_MS - onCpuMs - runQueueMs),
        gcMs: 0,
      });
      if (this.stalls.length > 4 * STALLS_KEPT)
        this.stalls = this.stalls.sort((a, b) => b.ms - a.ms).slice(0, STALLS_KEPT);
    }
    this.lastAt = now;
    this.last = sched;
  }

  /** `schedstat` is "<ns on cpu> <ns waiting on a run queue> <timeslices>". */
  private read(): Sched {
    const n = readSync(this.fd, this.buf, 0, this.buf.length, 0);
    const [run = '0', wait = '0'] = this.buf.toString('latin1', 0, n).split(' ');
    return { runNs: Number(run), waitNs: Number(wait) };
  }

  private gcInside(s: LoopStall): number {
    const end = s.atMs + s.ms;
    let total = 0;
    for (const [a, b] of this.gcs) total += Math.max(0, Math.min(b, end) - Math.max(a, s.atMs));
    return total;
  }
}
