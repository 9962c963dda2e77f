import { describe, expect, it } from 'vitest';
import { type LoopStall, LoopStalls } from './loop-stalls.ts';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The recorded stall covering `atMs` (window time), if any. */
const covering = (list: LoopStall[], atMs: number) =>
  list.find((s) => s.atMs <= atMs && atMs <= s.atMs + s.ms);

describe('LoopStalls (Linux schedstat)', () => {
  it('tells a stall spent computing from one spent asleep in a system call', async () => {
    const stalls = new LoopStalls();
    stalls.enable();
    try {
      await pause(20);
      stalls.take();
      const windowStart = performance.now();
      const spinAt = performance.now() - windowStart;
      const spinUntil = performance.now() + 40;
      while (performance.now() < spinUntil); // on CPU (or queued for one on a busy machine)
      await pause(20);
      const sleepAt = performance.now() - windowStart;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 40); // asleep, off CPU
      await pause(20);
      const list = stalls.take();
      const spin = covering(list, spinAt + 20);
      const sleep = covering(list, sleepAt + 20);
      if (!spin || !sleep) throw new Error(`both stalls expected: ${JSON.stringify(list)}`);
      // Shares, not absolute bounds: on a VM the host's steal shows up as off-CPU time too (a CI
      // run once saw 5 ms of it during the 40 ms spin).
      expect(spin.ms).toBeGreaterThanOrEqual(40);
      // Computing: the time was the thread's (on a CPU, or queued for one while others ran).
      expect(spin.onCpuMs + spin.runQueueMs).toBeGreaterThan(spin.ms * 0.7);
      expect(spin.offCpuMs).toBeLessThan(spin.ms * 0.3);
      expect(sleep.ms).toBeGreaterThanOrEqual(40);
      expect(sleep.offCpuMs).toBeGreaterThan(sleep.ms * 0.7);
      expect(sleep.onCpuMs).toBeLessThan(sleep.ms * 0.3);
    } finally {
      stalls.disable();
    }
  });
});
