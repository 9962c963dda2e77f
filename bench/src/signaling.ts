/**
 * Signaling benchmark: hold N authenticated WebSocket connections to a signaling server running in
 * its own process and route `signal` frames between contact pairs. Prints connections held and
 * connect time, routed signals/s (closed loop, at the receivers), delivery latency at a fixed
 * offered rate, and server RSS per connection; writes bench/results/signaling.json.
 *
 *   node --import tsx bench/src/signaling.ts [--connections 10000] [--duration 10] [--rate 10000] [--window 8] [--shallow-window 2] [--tiny]
 *
 * Server and load generator share this machine's cores; CPU seconds per phase are reported for
 * both so the figures can be read against that.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { STALLS_KEPT } from './lib/loop-stalls.ts';
import { LatencyHistogram } from './lib/signaling-histogram.ts';
import type { LoopDelaySummary } from './lib/signaling-ipc.ts';
import { parseSignalingOptions, type SignalingBenchOptions } from './lib/signaling-options.ts';
import { cpuTimes, machineTimes, rssBytes } from './lib/signaling-proc.ts';
import { formatReport, type SignalingResult, type ThroughputResult } from './lib/signaling-report.ts';
import { REPO_ROOT, type ServerProcess, startServerProcess } from './lib/signaling-server-process.ts';
import { createBenchIssuer } from './lib/signaling-tokens.ts';
import { LoadWorker, slicePairs } from './lib/signaling-workers.ts';

/** Settling time before an RSS sample, so the sample is not taken mid-burst. */
const SETTLE_MS = 1_000;
const PROVISION_TIMEOUT_MS = 10 * 60_000;
const CONNECT_TIMEOUT_MS = 5 * 60_000;
/** Warm-up: one signal each way per pair, then the drain (at most 15 s). */
const WARM_UP_TIMEOUT_MS = 30_000;
/** A phase's answer may lag its duration by the drains (a few seconds) and nothing more. */
const PHASE_SLACK_MS = 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Run the benchmark; resolves with the result, having stopped every process it started. */
export async function runSignalingBench(o: SignalingBenchOptions): Promise<SignalingResult> {
  const issuer = createBenchIssuer();
  const dataDir = await mkdtemp(join(tmpdir(), 'hypersend-bench-'));
  let server: ServerProcess | null = null;
  const workers: LoadWorker[] = [];
  const killAll = (): void => {
    for (const w of workers) w.kill();
    server?.kill();
  };
  // Whatever ends this process, the server and workers go with it.
  const onSignal = (signal: NodeJS.Signals): void => {
    console.error(`\n${signal}: stopping the server and workers`);
    killAll();
    process.exit(130);
  };
  process.on('exit', killAll);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const generatorArgs = o.generatorCpuProf
      ? ['--cpu-prof', `--cpu-prof-dir=${resolve(o.generatorCpuProf)}`]
      : [];
    const nodeArgs = [
      ...o.serverNodeArgs,
      ...(o.serverCpuProf ? ['--cpu-prof', `--cpu-prof-dir=${resolve(o.serverCpuProf)}`] : []),
    ];
    const peerjs = o.server === 'peerjs';
    server = await startServerProcess(
      {
        HYPERSEND_ENV: 'development',
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'warn',
        HYPERSEND_DATA_DIR: dataDir,
        HYPERSEND_EXTERNAL_PUBLIC_KEY: issuer.publicKeyPem,
        HYPERSEND_EXTERNAL_ISSUER: issuer.issuer,
        HYPERSEND_EXTERNAL_AUDIENCE: issuer.audience,
        HYPERSEND_EXTERNAL_ALGORITHMS: 'EdDSA',
        // Every client comes from 127.0.0.1: the per-IP cap must cover all of them.
        HYPERSEND_MAX_CONNECTIONS_PER_IP: String(Math.min(1_000_000, o.connections + 1_000)),
        // The per-connection rate limit protects against abusive clients; here it would only
        // measure itself. The maxima of the config schema.
        HYPERSEND_WS_RATE: '100000',
        HYPERSEND_WS_BURST: '1000000',
      },
      // The reference runs under the same launcher, load generator and phases: only the server differs.
      peerjs ? { nodeArgs, script: 'bench/src/lib/peerjs-server-main.ts' } : { nodeArgs },
    );
    const srv = server;
    console.log(`server pid ${srv.pid} at ${srv.url} (${srv.binding})`);
    const rssIdle = rssBytes(srv.pid);

    for (const [index, slice] of slicePairs(o.connections, o.workers).entries())
      workers.push(
        new LoadWorker(
          {
            index,
            target: o.server,
            url: srv.url,
            wsUrl: srv.wsUrl,
            ...slice,
            issuer: issuer.issuer,
            audience: issuer.audience,
            privateKeyPem: issuer.privateKeyPem,
            ack: o.ack,
            connectConcurrency: o.connectConcurrency,
            httpConcurrency: o.httpConcurrency,
          },
          generatorArgs,
        ),
      );
    const all = <T extends Parameters<LoadWorker['call']>[1]>(
      msg: Parameters<LoadWorker['call']>[0],
      expect: T,
      timeoutMs: number,
    ) => Promise.all(workers.map((w) => w.call(msg, expect, timeoutMs)));
    const cpu = () => {
      const server = cpuTimes(srv.pid);
      const generator = workers.map((w) => cpuTimes(w.pid));
      return {
        server: server.user + server.system,
        serverSystem: server.system,
        generator: generator.reduce((sum, t) => sum + t.user + t.system, 0),
        generatorSystem: generator.reduce((sum, t) => sum + t.system, 0),
        machine: machineTimes(),
        at: performance.now(),
      };
    };
    const usage = (a: ReturnType<typeof cpu>, b: ReturnType<typeof cpu>) => {
      const s = (b.at - a.at) / 1000;
      const serverCores = (b.server - a.server) / s;
      const generatorCores = (b.generator - a.generator) / s;
      const machineCores = (b.machine.busy - a.machine.busy) / s;
      return {
        serverCores,
        generatorCores,
        otherCores: Math.max(0, machineCores - serverCores - generatorCores),
        softirqCores: (b.machine.softirq - a.machine.softirq) / s,
        stealCores: (b.machine.steal - a.machine.steal) / s,
        serverSystemShare: (b.serverSystem - a.serverSystem) / (b.server - a.server),
        generatorSystemShare: (b.generatorSystem - a.generatorSystem) / (b.generator - a.generator),
      };
    };

    process.stdout.write(
      peerjs
        ? 'starting the load generator (peerjs-server has no accounts to provision) … '
        : `provisioning ${o.connections} users (device + contact pair) … `,
    );
    const tProvision = performance.now();
    const provisioned = await all({ t: 'provision' }, 'provisioned', PROVISION_TIMEOUT_MS);
    const provisionS = (performance.now() - tProvision) / 1000;
    const requests = provisioned.reduce((n, p) => n + p.requests, 0);
    console.log(`${provisionS.toFixed(1)} s, ${(requests / provisionS).toFixed(0)} HTTP requests/s`);
    await sleep(SETTLE_MS);
    const rssBefore = rssBytes(srv.pid);

    process.stdout.write(`connecting ${o.connections} WebSockets … `);
    const c0 = cpu();
    const tConnect = performance.now();
    const connected = await all({ t: 'connect' }, 'connected', CONNECT_TIMEOUT_MS);
    const connectS = (performance.now() - tConnect) / 1000;
    const connectUsage = usage(c0, cpu());
    const held = connected.reduce((n, c) => n + c.held, 0);
    const failures: Record<string, number> = {};
    const retries: Record<string, number> = {};
    for (const c of connected) {
      for (const [k, v] of Object.entries(c.failures)) failures[k] = (failures[k] ?? 0) + v;
      for (const [k, v] of Object.entries(c.retries)) retries[k] = (retries[k] ?? 0) + v;
    }
    console.log(`${held} held in ${connectS.toFixed(1)} s`);
    await sleep(SETTLE_MS);
    const rssHeld = rssBytes(srv.pid);

    const durationMs = o.durationS * 1000;
    const warm = await all({ t: 'warmUp' }, 'warmedUp', WARM_UP_TIMEOUT_MS);
    const warmMissing = warm.reduce((n, w) => n + w.missing, 0);
    if (warmMissing > 0) console.log(`warm-up: ${warmMissing} signals did not come back`);
    const perWorkerRate = o.rate / workers.length;
    /** The open-loop schedule at the offered rate for `ms`, on every worker. */
    const offered = (ms: number) =>
      all({ t: 'latency', durationMs: ms, rate: perWorkerRate }, 'latency', ms + PHASE_SLACK_MS);
    if (o.prerollS > 0) {
      process.stdout.write(`pre-roll, ${o.rate} signals/s for ${o.prerollS} s (not measured) … `);
      await offered(o.prerollS * 1000);
      console.log('done');
    }
    process.stdout.write(`latency phase, ${o.rate} signals/s offered for ${o.durationS} s … `);
    await srv.loopDelay(); // starts the server's loop-delay histogram over for this phase
    const l0 = cpu();
    const lat = await offered(durationMs);
    const latencyUsage = usage(l0, cpu());
    const serverLoopDelay = await srv.loopDelay();
    const histogram = new LatencyHistogram();
    for (const r of lat) histogram.merge(r.histogram);
    const latency = histogram.summary();
    console.log(`p99 ${latency.p99Ms.toFixed(2)} ms`);

    // After the latency phase: a saturating closed loop leaves the server with a grown heap and
    // socket buffers for a while, which would otherwise land in the latency tail.
    const closedLoop = async (window: number): Promise<ThroughputResult> => {
      process.stdout.write(`throughput phase, ${o.durationS} s closed loop, ${window} in flight per pair … `);
      const t0 = cpu();
      const tp = await all(
        { t: 'throughput', durationMs, window },
        'throughput',
        durationMs + PHASE_SLACK_MS,
      );
      const use = usage(t0, cpu());
      const signalsPerSecond = tp.reduce((n, r) => n + r.delivered / (r.ms / 1000), 0);
      const loopLatency = new LatencyHistogram();
      for (const r of tp) loopLatency.merge(r.histogram);
      console.log(`${Math.round(signalsPerSecond)} signals/s`);
      return {
        window,
        signalsPerSecond,
        delivered: tp.reduce((n, r) => n + r.delivered, 0),
        acks: tp.reduce((n, r) => n + r.acks, 0),
        seconds: Math.max(...tp.map((r) => r.ms)) / 1000,
        loopLatency: loopLatency.summary(),
        otherFrames: sumFrames(tp),
        ...use,
        serverUsPerSignal: (use.serverCores * 1e6) / signalsPerSecond,
        generatorUsPerSignal: (use.generatorCores * 1e6) / signalsPerSecond,
      };
    };
    const throughput = await closedLoop(o.window);
    const shallow = await closedLoop(o.shallowWindow);

    const status = await all({ t: 'status' }, 'status', 10_000);
    const rssAfter = rssBytes(srv.pid);
    const heldAtEnd = status.reduce((n, s) => n + s.open, 0);
    const sent = lat.reduce((n, r) => n + r.sent, 0);
    const latencyMs = Math.max(...lat.map((r) => r.ms));

    const mib = (b: number) => b / 1024 / 1024;
    return {
      bench: 'signaling',
      date: new Date().toISOString(),
      host: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version },
      server: {
        name: o.server,
        binding: srv.binding,
        store: peerjs ? 'in memory (peerjs-server has no store)' : 'embedded SQLite',
        auth: peerjs ? 'none (key, id and token in the URL)' : 'external EdDSA JWT (bearer)',
        nodeArgs: o.serverNodeArgs,
      },
      config: {
        connections: o.connections,
        workers: o.workers,
        durationS: o.durationS,
        rate: o.rate,
        ack: o.ack,
        tiny: o.tiny,
      },
      provisioning: { users: o.connections, httpRequests: requests, seconds: provisionS },
      connect: {
        requested: o.connections,
        held,
        failed: o.connections - held,
        failures,
        retries,
        seconds: connectS,
        perSecond: held / connectS,
        ...connectUsage,
        heldAtEnd,
      },
      throughput,
      shallowThroughput: shallow,
      latency: {
        offeredRate: o.rate,
        prerollS: o.prerollS,
        achievedRate: sent / (latencyMs / 1000),
        sent,
        received: lat.reduce((n, r) => n + r.received, 0),
        acks: lat.reduce((n, r) => n + r.acks, 0),
        maxScheduleLagMs: Math.max(...lat.map((r) => r.maxScheduleLagMs)),
        ...latency,
        serverLoopDelay,
        // The worst worker's figures: a stall in either one delays its pairs' signals.
        generatorLoopDelay: worstLoopDelay(lat.map((r) => r.loopDelay)),
        otherFrames: sumFrames(lat),
        ...latencyUsage,
      },
      rss: {
        idleMiB: mib(rssIdle),
        beforeConnectionsMiB: mib(rssBefore),
        heldMiB: mib(rssHeld),
        afterLoadMiB: mib(rssAfter),
        perConnectionKiB: held > 0 ? (rssHeld - rssBefore) / 1024 / held : Number.NaN,
      },
      goals: {
        connections: { target: 10_000, met: held >= 10_000 },
        signalsPerSecond: { target: 50_000, met: throughput.signalsPerSecond >= 50_000 },
        p99MsAt10k: { target: 10, met: o.rate >= 10_000 && latency.p99Ms < 10 },
      },
    };
  } finally {
    await Promise.all(workers.map((w) => w.exit()));
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', killAll);
  }
}

/** Per figure, the largest of several workers' loop delays (null when there are none). */
function worstLoopDelay(list: LoopDelaySummary[]): LoopDelaySummary | null {
  if (list.length === 0) return null;
  const max = (k: 'count' | 'p50Ms' | 'p99Ms' | 'p999Ms' | 'maxMs') => Math.max(...list.map((d) => d[k]));
  const gcs = list.flatMap((d) => (d.gc === undefined ? [] : [d.gc]));
  const gcMax = (k: 'count' | 'major' | 'maxMs' | 'totalMs') => Math.max(...gcs.map((g) => g[k]));
  return {
    count: max('count'),
    p50Ms: max('p50Ms'),
    p99Ms: max('p99Ms'),
    p999Ms: max('p999Ms'),
    maxMs: max('maxMs'),
    ...(gcs.length === 0
      ? {}
      : {
          gc: {
            count: gcMax('count'),
            major: gcMax('major'),
            maxMs: gcMax('maxMs'),
            totalMs: gcMax('totalMs'),
          },
        }),
    // The longest stalls of any worker, each as it was measured.
    stalls: list
      .flatMap((d) => d.stalls ?? [])
      .sort((a, b) => b.ms - a.ms)
      .slice(0, STALLS_KEPT),
  };
}

/** Frame counts of several workers, summed per kind. */
function sumFrames(list: ReadonlyArray<{ other: Record<string, number> }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of list) for (const [k, v] of Object.entries(r.other)) out[k] = (out[k] ?? 0) + v;
  return out;
}

async function main(): Promise<void> {
  const o = parseSignalingOptions(process.argv.slice(2));
  console.log(
    `signaling benchmark (${o.server}): ${o.connections} connections, ${o.workers} worker(s), ${o.durationS} s phases, ` +
      `${o.rate}/s latency rate${o.ack ? ', with acks' : ''}, ${cpus().length} CPUs shared with the server`,
  );
  const result = await runSignalingBench(o);
  console.log(formatReport(result));
  if (o.out) {
    const path = isAbsolute(o.out) ? o.out : join(REPO_ROOT, o.out);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`results written to ${o.out}`);
  }
  // Last line, machine-readable: the smoke test and scripts parse it.
  console.log(JSON.stringify(result));
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
