/**
 * Preloaded (`--import`) into the server process of the signaling benchmark, ours and
 * peerjs-server alike, to measure the server's event-loop delay without touching its code: on
 * SIGUSR2 it prints `LOOP_DELAY {json}` (percentiles since the previous SIGUSR2) on stdout and
 * starts over. Printed next to the delivery latency it tells server stalls from generator stalls.
 *
 * `monitorEventLoopDelay` fires a timer every millisecond and records how long each interval
 * really took, so an idle loop shows ~1 ms and a 20 ms stall shows as ~21 ms. GC pauses of the
 * same interval come along, so a stall can be told to be the collector's or not, and the longest
 * stalls are split into on-CPU, run-queue and blocked time (`loop-stalls.ts`).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { LoopStalls } from './loop-stalls.ts';
import { GcPauses, LOOP_DELAY_PREFIX, loopDelaySummary } from './signaling-ipc.ts';

const RESOLUTION_MS = 1;

const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
histogram.enable();
const gc = new GcPauses();
gc.enable();
const stalls = new LoopStalls();
stalls.enable();

process.on('SIGUSR2', () => {
  const summary = loopDelaySummary(histogram, gc.take(), stalls.take());
  process.stdout.write(`${LOOP_DELAY_PREFIX}${JSON.stringify(summary)}\n`);
  histogram.reset();
});
