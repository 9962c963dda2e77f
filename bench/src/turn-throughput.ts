/**
 * PeerSession throughput through TURN (real coturn on loopback, turn-only ICE) next to the direct
 * path, in the SAME run: rounds alternate direct / relayed so machine noise hits both alike;
 * medians and their ratio are printed. Two processes, unencrypted (transport layer only), the
 * same children as `peer-session-throughput.ts`.
 *
 *   node --import tsx bench/src/turn-throughput.ts [--tiny] [--mb=256] [--rounds=3]
 *        [--max-bps=0] [--high-kib=4096] [--low-kib=1024] [--poll-ms=5]
 *
 * `--max-bps` is coturn's per-session cap in bytes/s; 0 (default here) is unlimited, so the
 * figure is coturn's own cost. Production renders 12_500_000 (100 Mbit/s) unless configured.
 * coturn runs with the test overlay (loopback peers allowed), never the production file alone.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { mintTurnCredentials, startCoturn } from '../../turn/src/index.ts';
import { benchOptions, median, roundTimeoutMs } from './lib/bench-options.ts';
import { compared, emitResult } from './lib/bench-result.ts';
import { runPair } from './lib/pair-harness.ts';
import { describe } from './raw-datachannel.ts';

const SESSION_CHILD = fileURLToPath(new URL('./lib/session-child.ts', import.meta.url));
// Fresh per run: the coturn lives as long as this process and listens on 127.0.0.1 only.
const SECRET = randomBytes(36).toString('base64');

function maxBps(argv = process.argv.slice(2)): number {
  const hit = argv.find((a) => a.startsWith('--max-bps='));
  const n = Number(hit ? hit.slice('--max-bps='.length) : (process.env.BENCH_MAX_BPS ?? 0));
  if (!Number.isInteger(n) || n < 0) throw new Error(`--max-bps must be an integer >= 0, got ${hit}`);
  return n;
}

async function main(): Promise<void> {
  const o = benchOptions();
  const { rounds, tiny, ...settings } = o;
  const cap = maxBps();
  const turn = await startCoturn({ secrets: [SECRET], quotas: { maxBps: cap } });
  try {
    console.log(
      `direct vs TURN (coturn on loopback, turn-only ICE), 2 processes: ${(o.bytes / 1e6).toFixed(0)} MB, ` +
        `${o.messageBytes / 1024} KiB messages, high ${o.highWatermark / 1024} KiB, ` +
        `coturn max-bps ${cap === 0 ? 'unlimited' : cap}, ${rounds} round(s) each`,
    );
    const direct: number[] = [];
    const relayed: number[] = [];
    const setup: number[] = [];
    const timeoutMs = roundTimeoutMs(o.bytes);
    for (let i = 0; i < rounds; i++) {
      delete process.env.BENCH_ICE_SERVERS;
      delete process.env.BENCH_TURN_ONLY;
      const d = await runPair(SESSION_CHILD, { ...settings, timeoutMs });
      console.log(describe(`  round ${i + 1} direct`, d));
      direct.push(d.mbps);
      // Fresh credentials per round, as signaling would hand out per transfer; the children
      // inherit them through the environment.
      const c = mintTurnCredentials({
        secret: SECRET,
        user: `bench${i}`,
        ttlSeconds: 3600,
        uris: [turn.url],
      });
      process.env.BENCH_ICE_SERVERS = JSON.stringify([
        { urls: c.uris, username: c.username, credential: c.credential },
      ]);
      process.env.BENCH_TURN_ONLY = '1';
      const r = await runPair(SESSION_CHILD, { ...settings, timeoutMs });
      console.log(describe(`  round ${i + 1} turn  `, r));
      relayed.push(r.mbps);
      setup.push(r.setupMs);
    }
    const dm = median(direct);
    const tm = median(relayed);
    console.log(`direct median: ${dm.toFixed(1)} MB/s`);
    console.log(`turn median:   ${tm.toFixed(1)} MB/s`);
    console.log(`ratio:         ${((tm / dm) * 100).toFixed(1)} %`);
    console.log(`turn set-up median: ${median(setup).toFixed(0)} ms`);
    emitResult({
      bench: 'turn-throughput',
      tiny,
      figures: [
        compared(
          'turn.turn_vs_direct',
          `PeerSession through TURN (coturn on loopback, turn-only), ${(o.bytes / 1024 / 1024).toFixed(0)} MiB`,
          tm,
          'MB/s',
          { label: 'direct PeerSession, same run', value: dm },
        ),
      ],
      details: { direct, relayed, setupMs: setup, maxBps: cap },
    });
  } finally {
    delete process.env.BENCH_ICE_SERVERS;
    delete process.env.BENCH_TURN_ONLY;
    await turn.stop();
  }
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
