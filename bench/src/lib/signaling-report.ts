import { STALL_MS } from './loop-stalls.ts';
import type { LatencySummary } from './signaling-histogram.ts';
import type { LoopDelaySummary } from './signaling-ipc.ts';

/** CPU cores used on average during a phase (CPU seconds / wall seconds). */
export interface CoreUsage {
  serverCores: number;
  generatorCores: number;
  /** Other processes on the machine meanwhile (user, system and irq time not ours). */
  otherCores: number;
  /**
   * Softirq time, machine-wide: mostly the loopback traffic's receive processing, charged to no
   * process. Absent in results before 2026-11-29 (counted in `otherCores` then).
   */
  softirqCores?: number;
  /** CPU time the hypervisor gave to other guests (steal): a busy host. Absent in old results. */
  stealCores?: number;
  /** Share of the server's / generator's CPU time spent in the kernel (syscalls); absent in old results. */
  serverSystemShare?: number;
  generatorSystemShare?: number;
}

/** What `bench/src/signaling.ts` prints as its last line and writes to bench/results/signaling.json. */
export interface SignalingResult {
  bench: 'signaling';
  date: string;
  host: { cpus: number; cpuModel: string; node: string };
  server: {
    /** Which server was measured; absent in results written before peerjs-server was added. */
    name?: 'hypersend' | 'peerjs';
    binding: string;
    store: string;
    auth: string;
    nodeArgs: string[];
  };
  config: {
    connections: number;
    workers: number;
    durationS: number;
    rate: number;
    ack: boolean;
    tiny: boolean;
  };
  provisioning: { users: number; httpRequests: number; seconds: number };
  connect: CoreUsage & {
    requested: number;
    held: number;
    failed: number;
    failures: Record<string, number>;
    /** Connections opened again after a drop between the 101 and `hello` (see the load worker). */
    retries: Record<string, number>;
    seconds: number;
    perSecond: number;
    /** Still open after both load phases. */
    heldAtEnd: number;
  };
  /** The main closed loop (`--window` in flight per pair): the server's capacity, the goal's figure. */
  throughput: ThroughputResult;
  /** The same loop with `--shallow-window` in flight per pair: about one frame per socket and turn. */
  shallowThroughput: ThroughputResult;
  latency: CoreUsage &
    LatencySummary & {
      offeredRate: number;
      /** Seconds at the offered rate before measuring (see `--preroll`). */
      prerollS: number;
      achievedRate: number;
      sent: number;
      received: number;
      acks: number;
      maxScheduleLagMs: number;
      /** The server's event-loop delay during the phase (null: not measured); absent in old results. */
      serverLoopDelay?: LoopDelaySummary | null;
      /** The load generator's, worst worker per figure. */
      generatorLoopDelay?: LoopDelaySummary | null;
      otherFrames: Record<string, number>;
    };
  rss: {
    idleMiB: number;
    beforeConnectionsMiB: number;
    heldMiB: number;
    afterLoadMiB: number;
    perConnectionKiB: number;
  };
  goals: Record<string, { target: number; met: boolean }>;
}

/** One closed-loop phase: every delivered signal makes its receiver answer its peer. */
export type ThroughputResult = CoreUsage & {
  /** Signals in flight per contact pair (both directions together). */
  window: number;
  /** Signals delivered to receivers per second, summed over workers. */
  signalsPerSecond: number;
  delivered: number;
  acks: number;
  seconds: number;
  /** Delivery latency inside the saturated closed loop: mostly queueing, for information. */
  loopLatency: LatencySummary;
  otherFrames: Record<string, number>;
  /** CPU time per routed signal: what each side costs, independent of how busy the machine was. */
  serverUsPerSignal: number;
  generatorUsPerSignal: number;
};

const f = (n: number, digits = 0): string =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '-';
const pct = (share: number | undefined): string =>
  share === undefined || !Number.isFinite(share) ? '' : ` (${f(share * 100)} % kernel)`;
const cores = (u: CoreUsage): string =>
  `server ${f(u.serverCores, 2)}${pct(u.serverSystemShare)} / generator ${f(u.generatorCores, 2)}${pct(u.generatorSystemShare)} / other processes ${f(u.otherCores, 2)} cores${u.softirqCores === undefined ? '' : ` (+ softirq ${f(u.softirqCores, 2)}, steal ${f(u.stealCores ?? Number.NaN, 2)})`}`;
const loop = (d: LoopDelaySummary | null | undefined): string =>
  d == null
    ? 'not measured'
    : `p50 ${f(d.p50Ms, 1)} / p99 ${f(d.p99Ms, 1)} / p99.9 ${f(d.p999Ms, 1)} / max ${f(d.maxMs, 1)} ms` +
      (d.gc === undefined
        ? ''
        : `; GC ${f(d.gc.count)} pauses (${f(d.gc.major)} full), longest ${f(d.gc.maxMs, 1)} ms, ${f(d.gc.totalMs)} ms in all`);
/** The longest stalls: when, how long, and where the time went (loop-stalls.ts). */
const stalls = (d: LoopDelaySummary | null | undefined): string => {
  const list = d?.stalls;
  if (list === undefined) return 'not measured';
  if (list.length === 0) return `none of ${STALL_MS} ms or more`;
  return list
    .map(
      (s) =>
        `${f(s.ms, 1)} ms at ${f(s.atMs / 1000, 2)} s (cpu ${f(s.onCpuMs, 1)}, GC ${f(s.gcMs, 1)}, ` +
        `run queue ${f(s.runQueueMs, 1)}, off CPU ${f(s.offCpuMs, 1)})`,
    )
    .join('; ');
};
const frames = (o: Record<string, number>): string =>
  Object.keys(o).length === 0
    ? 'none'
    : Object.entries(o)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');

/** The rows of one closed-loop phase. */
function closedLoopRows(title: string, t: ThroughputResult, goal: string): Array<[string, string]> {
  return [
    [
      title,
      `${f(t.signalsPerSecond)}${goal}  (${f(t.delivered)} in ${f(t.seconds, 1)} s, closed loop, ${f(t.window)} in flight per pair)`,
    ],
    ['  cpu', cores(t)],
    [
      '  cpu per signal',
      `server ${f(t.serverUsPerSignal, 1)} µs, generator ${f(t.generatorUsPerSignal, 1)} µs (send + receive)`,
    ],
    [
      '  loop latency',
      `p50 ${f(t.loopLatency.p50Ms, 2)} ms, p99 ${f(t.loopLatency.p99Ms, 2)} ms (queueing under saturation)`,
    ],
    ['  other frames', frames(t.otherFrames)],
  ];
}

/** The human table printed before the JSON line. */
export function formatReport(r: SignalingResult): string {
  const { connect: c, throughput: t, latency: l, rss } = r;
  const goal = (name: string): string => {
    const g = r.goals[name];
    // The goals are stated for the full-size run; a smoke run says nothing about them.
    if (!g || r.config.tiny) return '';
    return g.met ? '  [goal met]' : '  [goal missed]';
  };
  const rows: Array<[string, string]> = [
    [
      'server',
      `${r.server.binding}; ${r.server.store}; ${r.server.auth}${r.server.nodeArgs.length > 0 ? `; node ${r.server.nodeArgs.join(' ')}` : ''}`,
    ],
    [
      'provisioning',
      `${f(r.provisioning.users)} users, ${f(r.provisioning.httpRequests)} HTTP requests in ${f(r.provisioning.seconds, 1)} s`,
    ],
    [
      'connections held',
      `${f(c.held)} of ${f(c.requested)}${goal('connections')}  (still open at end: ${f(c.heldAtEnd)})`,
    ],
    ['connect time', `${f(c.seconds, 1)} s (${f(c.perSecond)} upgrades/s; ${cores(c)})`],
    ['connect failures', frames(c.failures)],
    ['connect retries', frames(c.retries)],
    ...closedLoopRows('routed signals/s', t, goal('signalsPerSecond')),
    ...closedLoopRows('shallow loop signals/s', r.shallowThroughput, ''),
    [
      'latency @ offered',
      `${f(l.offeredRate)}/s offered, ${f(l.achievedRate)}/s sent, ${f(l.received)} of ${f(l.sent)} delivered` +
        (l.prerollS > 0 ? ` (after a ${f(l.prerollS, 1)} s pre-roll)` : ''),
    ],
    ['  p50 / p90 / p99', `${f(l.p50Ms, 2)} / ${f(l.p90Ms, 2)} / ${f(l.p99Ms, 2)} ms${goal('p99MsAt10k')}`],
    ['  p99.9 / max / mean', `${f(l.p999Ms, 2)} / ${f(l.maxMs, 2)} / ${f(l.meanMs, 2)} ms`],
    ['  schedule lag max', `${f(l.maxScheduleLagMs, 1)} ms (generator timer lag)`],
    ['  server loop delay', `${loop(l.serverLoopDelay)} (1 ms timer: ~1 ms = no stall)`],
    ['  server stalls', stalls(l.serverLoopDelay)],
    ['  generator loop delay', `${loop(l.generatorLoopDelay)} (worst worker)`],
    ['  generator stalls', stalls(l.generatorLoopDelay)],
    ['  cpu', cores(l)],
    ['  other frames', frames(l.otherFrames)],
    [
      'server RSS',
      `idle ${f(rss.idleMiB, 1)} MiB, before connections ${f(rss.beforeConnectionsMiB, 1)} MiB, held ${f(rss.heldMiB, 1)} MiB, after load ${f(rss.afterLoadMiB, 1)} MiB`,
    ],
    ['RSS per connection', `${f(rss.perConnectionKiB, 1)} KiB`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}
