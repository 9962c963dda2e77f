/**
 * Signaling side by side with its reference: the same load generator, phases and sizes against
 * Hypersend's signaling server and then against peerjs-server (npm `peer`, pinned), one after the
 * other in this run. Prints both reports, then the ratios: connections held, routed signals/s,
 * p50/p99 delivery latency at the offered rate, server RSS per connection.
 *
 *   node --import tsx bench/src/signaling-vs-peerjs.ts [--tiny] [--connections 10000] [--duration 10] [--rate 10000]
 *
 * Takes every flag of `signaling.ts` except `--server` and `--out` (nothing is written here; the
 * all-in-one `bench/src/all.ts` collects the result line).
 *
 * Not the same work, which the table says: our server verifies a JWT per connection, checks the
 * contact relation (cached) and validates every frame with a schema; peerjs-server trusts the id in
 * the URL and forwards any JSON to any peer id.
 */
import { pathToFileURL } from 'node:url';
import { compared, emitResult, type Figure } from './lib/bench-result.ts';
import { parseSignalingOptions } from './lib/signaling-options.ts';
import { formatReport, type SignalingResult } from './lib/signaling-report.ts';
import { runSignalingBench } from './signaling.ts';

const REFERENCE = 'peerjs-server 1.0.2, same load generator';

/** The side-by-side figures; goals are issue 2's, for our server at full size. */
export function signalingFigures(ours: SignalingResult, ref: SignalingResult): Figure[] {
  const n = ours.config.connections;
  const rate = ours.config.rate;
  return [
    compared(
      'signaling.connections_held',
      `Signaling: connections held (of ${n.toLocaleString('en-US')})`,
      ours.connect.held,
      'connections',
      { label: REFERENCE, value: ref.connect.held },
      { text: '≥ 10,000', pass: ours.connect.held >= 10_000 },
    ),
    compared(
      'signaling.signals_per_s',
      `Signaling: routed signals/s (closed loop, ${ours.throughput.window} in flight per pair)`,
      ours.throughput.signalsPerSecond,
      'signals/s',
      { label: REFERENCE, value: ref.throughput.signalsPerSecond },
      { text: '≥ 50,000/s', pass: ours.throughput.signalsPerSecond >= 50_000 },
    ),
    compared(
      'signaling.shallow_signals_per_s',
      `Signaling: routed signals/s (closed loop, ${ours.shallowThroughput.window} in flight per pair)`,
      ours.shallowThroughput.signalsPerSecond,
      'signals/s',
      { label: REFERENCE, value: ref.shallowThroughput.signalsPerSecond },
    ),
    compared(
      'signaling.p50_ms',
      `Signaling: p50 delivery latency at ${rate.toLocaleString('en-US')} signals/s`,
      ours.latency.p50Ms,
      'ms',
      { label: REFERENCE, value: ref.latency.p50Ms },
      undefined,
      true,
    ),
    compared(
      'signaling.p99_ms',
      `Signaling: p99 delivery latency at ${rate.toLocaleString('en-US')} signals/s`,
      ours.latency.p99Ms,
      'ms',
      { label: REFERENCE, value: ref.latency.p99Ms },
      { text: '< 10 ms at 10,000/s', pass: rate >= 10_000 && ours.latency.p99Ms < 10 },
      true,
    ),
    compared(
      'signaling.rss_per_connection_kib',
      'Signaling: server RSS per connection',
      ours.rss.perConnectionKiB,
      'KiB',
      { label: REFERENCE, value: ref.rss.perConnectionKiB },
      undefined,
      true,
    ),
  ];
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.some((a) => a.startsWith('--server') || a.startsWith('--out')))
    throw new Error('signaling-vs-peerjs runs both servers and writes nothing: drop --server/--out');
  const hypersend = parseSignalingOptions([...argv, '--no-out']);
  const peerjs = { ...hypersend, server: 'peerjs' as const };
  console.log(
    `signaling side by side: ${hypersend.connections} connections, ${hypersend.durationS} s phases, ` +
      `${hypersend.rate}/s latency rate; Hypersend first, then peerjs-server, same generator`,
  );
  console.log('\n== Hypersend signaling');
  const ours = await runSignalingBench(hypersend);
  console.log(formatReport(ours));
  console.log('\n== peerjs-server (reference)');
  const ref = await runSignalingBench(peerjs);
  console.log(formatReport(ref));
  const figures = signalingFigures(ours, ref);
  console.log('\n== ratios (Hypersend ÷ peerjs-server)');
  for (const f of figures)
    console.log(
      `${f.label}: ${f.value.toFixed(2)} vs ${f.reference?.value.toFixed(2)} ${f.unit} = ${f.ratio?.toFixed(2)}x`,
    );
  emitResult({
    bench: 'signaling-vs-peerjs',
    tiny: hypersend.tiny,
    figures,
    details: { hypersend: ours, peerjs: ref },
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    },
  );
}
