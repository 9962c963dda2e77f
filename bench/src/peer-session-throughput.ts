/**
 * PeerSession file-channel throughput against the raw reference, measured in the SAME run:
 * rounds alternate raw / session so machine noise hits both alike; medians and their ratio are
 * printed. Unencrypted: this isolates the transport layer.
 *
 *   node --import tsx bench/src/peer-session-throughput.ts [--tiny] [--mb=256] [--rounds=3]
 *        [--high-kib=4096] [--low-kib=1024] [--poll-ms=5]
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchOptions, median, roundTimeoutMs } from './lib/bench-options.ts';
import { runPair } from './lib/pair-harness.ts';
import { describe, RAW_CHILD } from './raw-datachannel.ts';

const SESSION_CHILD = fileURLToPath(new URL('./lib/session-child.ts', import.meta.url));

async function main(): Promise<void> {
  const o = benchOptions();
  const { rounds, tiny, ...settings } = o;
  console.log(
    `raw vs PeerSession, 2 processes: ${(o.bytes / 1e6).toFixed(0)} MB, ${o.messageBytes / 1024} KiB messages, ` +
      `high ${o.highWatermark / 1024} KiB, low ${o.lowWatermark / 1024} KiB, poll ${o.pollMs} ms, ${rounds} round(s) each`,
  );
  const raw: number[] = [];
  const session: number[] = [];
  const firstByte: number[] = [];
  const timeoutMs = roundTimeoutMs(o.bytes);
  for (let i = 0; i < rounds; i++) {
    const r = await runPair(RAW_CHILD, { ...settings, timeoutMs });
    console.log(describe(`  round ${i + 1} raw    `, r));
    raw.push(r.mbps);
    const s = await runPair(SESSION_CHILD, { ...settings, timeoutMs });
    console.log(describe(`  round ${i + 1} session`, s));
    session.push(s.mbps);
    firstByte.push(s.firstByteMs);
  }
  const rawMedian = median(raw);
  const sessionMedian = median(session);
  console.log(`raw median:     ${rawMedian.toFixed(1)} MB/s`);
  console.log(`session median: ${sessionMedian.toFixed(1)} MB/s`);
  console.log(`ratio:          ${((sessionMedian / rawMedian) * 100).toFixed(1)} %`);
  console.log(`session first byte median: ${median(firstByte).toFixed(1)} ms`);
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
