import type { SignalingTarget } from './signaling-ipc.ts';

/** Knobs of the signaling benchmark (`bench/src/signaling.ts`), from the command line. */
export interface SignalingBenchOptions {
  /** The server under test: ours (default) or peerjs-server, the reference, under the same load. */
  server: SignalingTarget;
  /** WebSocket connections to open and hold; even, because connections work in pairs. */
  connections: number;
  /** Seconds of each measured phase (latency, then the two closed loops). */
  durationS: number;
  /** Offered signals per second, all workers together, in the latency phase. */
  rate: number;
  /**
   * Seconds at the offered rate before the latency phase starts measuring (0: none). The first
   * scavenges after the warm-up promote what it left in every connection (~2 MB at 10,000
   * connections: three pauses of 6-11 ms), a one-off at start-up, not the steady state.
   */
  prerollS: number;
  /** Load-generator processes. Pairs never span two of them, so send and receive share a clock. */
  workers: number;
  /** Signals carry an `id`, so the server also answers an `ack` to the sender. */
  ack: boolean;
  /**
   * Signals in flight per contact pair in the main closed-loop phase (both directions together):
   * the server's capacity, reached when clients keep several signals in flight (an ICE trickle
   * sends a burst of candidates), so the server reads and writes several frames per socket and turn.
   */
  window: number;
  /**
   * The second closed loop's window: one signal each way per pair (the old default), i.e. every
   * socket has about one frame per turn — the server's cost per signal at its worst batching.
   */
  shallowWindow: number;
  /** Concurrent WebSocket upgrades in flight per worker. */
  connectConcurrency: number;
  /** Concurrent provisioning HTTP requests per worker. */
  httpConcurrency: number;
  /** Where the result JSON goes; null writes nothing. */
  out: string | null;
  /** Extra Node.js flags for the server process (space-separated), e.g. `--max-semi-space-size=32`. */
  serverNodeArgs: string[];
  /** Run the server under `--cpu-prof`; profiles land in this directory. */
  serverCpuProf: string | null;
  /** Run the load-generator workers under `--cpu-prof`, profiles in this directory. */
  generatorCpuProf: string | null;
  tiny: boolean;
}

export const DEFAULT_RESULTS_PATH = 'bench/results/signaling.json';

/**
 * Measured at 10,000 connections, one worker (2026-11-29): 2 per pair 24–33k signals/s, 8 per
 * pair 48–66k, 16 per pair 60–70k; 32 per pair fell back to 48k (queues outgrow the batching gain).
 */
const DEFAULT_WINDOW = 8;
const SHALLOW_WINDOW = 2;

const USAGE = `usage: node --import tsx bench/src/signaling.ts [--server hypersend|peerjs] [--connections N] [--duration S] [--rate R]
         [--preroll S] [--workers W] [--window W] [--shallow-window W] [--ack] [--connect-concurrency C] [--http-concurrency C]
         [--out FILE | --no-out] [--server-node-args "FLAGS"] [--server-cpu-prof DIR] [--generator-cpu-prof DIR] [--tiny]`;

/**
 * Parse `--name value` or `--name=value`. `--tiny` (the test suite's setting) shrinks every
 * default to something that finishes in seconds and writes no result file unless `--out` is given,
 * so a smoke run never overwrites the full-size figures.
 *
 * @example
 * parseSignalingOptions(['--connections', '2000', '--duration=5']);
 */
export function parseSignalingOptions(argv: readonly string[]): SignalingBenchOptions {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const BOOLEAN = new Set(['tiny', 'ack', 'no-out', 'help']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}\n${USAGE}`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (BOOLEAN.has(name)) {
      flags.add(name);
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new Error(`--${name} needs a value\n${USAGE}`);
    values.set(name, value);
  }
  if (flags.has('help')) throw new Error(USAGE);
  const known = new Set([
    'server',
    'connections',
    'duration',
    'rate',
    'preroll',
    'workers',
    'window',
    'shallow-window',
    'connect-concurrency',
    'http-concurrency',
    'out',
    'server-cpu-prof',
    'server-node-args',
    'generator-cpu-prof',
  ]);
  for (const name of values.keys()) if (!known.has(name)) throw new Error(`unknown flag --${name}\n${USAGE}`);

  const tiny = flags.has('tiny');
  const num = (name: string, fallback: number, integer = true, zeroAllowed = false): number => {
    const raw = values.get(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0 || (n === 0 && !zeroAllowed) || (integer && !Number.isInteger(n)))
      throw new Error(
        `--${name} must be a ${zeroAllowed ? 'non-negative' : 'positive'} ${integer ? 'integer' : 'number'}, got ${raw}`,
      );
    return n;
  };
  const connections = num('connections', tiny ? 50 : 10_000);
  if (connections % 2 !== 0) throw new Error('--connections must be even (connections work in pairs)');
  // One generator process: at 10,000 connections it keeps up with the server using about half a
  // core, and a second one only adds a third busy process to two cores (worse tails, less CPU
  // for the server). `--workers` still spreads the load when the generator is the bottleneck.
  const workers = Math.min(num('workers', 1), connections / 2);
  const server = values.get('server') ?? 'hypersend';
  if (server !== 'hypersend' && server !== 'peerjs')
    throw new Error(`--server must be hypersend or peerjs, got ${server}\n${USAGE}`);
  // The committed results file holds our server's figures; the reference's go nowhere by default.
  const defaultOut = tiny || server === 'peerjs' ? null : DEFAULT_RESULTS_PATH;
  const out = flags.has('no-out') ? null : (values.get('out') ?? defaultOut);
  return {
    server,
    connections,
    durationS: num('duration', tiny ? 1 : 10, false),
    rate: num('rate', tiny ? 500 : 10_000),
    prerollS: num('preroll', tiny ? 0.5 : 3, false, true),
    workers,
    ack: flags.has('ack'),
    window: num('window', DEFAULT_WINDOW),
    shallowWindow: num('shallow-window', SHALLOW_WINDOW),
    connectConcurrency: num('connect-concurrency', 128),
    httpConcurrency: num('http-concurrency', 32),
    out,
    serverNodeArgs: (values.get('server-node-args') ?? '').split(' ').filter((a) => a !== ''),
    serverCpuProf: values.get('server-cpu-prof') ?? null,
    generatorCpuProf: values.get('generator-cpu-prof') ?? null,
    tiny,
  };
}
