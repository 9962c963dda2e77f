/**
 * REFERENCE benchmark: raw @roamhq/wrtc data channel between two Node processes, signals relayed
 * over IPC, sender blasting fixed-size messages with polling backpressure. Prints MB/s (10^6 B/s).
 *
 *   node --import tsx bench/src/raw-datachannel.ts [--tiny] [--mb=256] [--high-kib=4096] [--rounds=3]
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchOptions, median, roundTimeoutMs } from './lib/bench-options.ts';
import { type PairResult, runPair } from './lib/pair-harness.ts';

/** The raw child entry point, exported so the PeerSession benchmark can alternate with it. */
export const RAW_CHILD = fileURLToPath(new URL('./lib/raw-child.ts', import.meta.url));

/** One line per round, human-readable. */
export function describe(label: string, r: PairResult): string {
  return (
    `${label}: ${r.mbps.toFixed(1)} MB/s  ${(r.bytes / 1e6).toFixed(0)} MB in ${r.seconds.toFixed(2)} s` +
    `  first byte ${r.firstByteMs.toFixed(1)} ms  max buffered ${(r.maxBuffered / 1024).toFixed(0)} KiB` +
    `  setup ${r.setupMs.toFixed(0)} ms`
  );
}

async function main(): Promise<void> {
  const o = benchOptions();
  const { rounds, tiny, ...settings } = o;
  console.log(
    `raw data channel, 2 processes: ${(o.bytes / 1e6).toFixed(0)} MB, ${o.messageBytes / 1024} KiB messages, ` +
      `high ${o.highWatermark / 1024} KiB, low ${o.lowWatermark / 1024} KiB, poll ${o.pollMs} ms, ${rounds} round(s)`,
  );
  const results: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const r = await runPair(RAW_CHILD, { ...settings, timeoutMs: roundTimeoutMs(o.bytes) });
    console.log(describe(`  round ${i + 1}`, r));
    results.push(r.mbps);
  }
  console.log(`raw median: ${median(results).toFixed(1)} MB/s`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
