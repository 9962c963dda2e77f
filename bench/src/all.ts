/**
 * `npm run bench`: every benchmark in sequence, each with its reference measured in the same run,
 * then `bench/results/latest.json` (everything) and `bench/RESULTS.md` (the table: figure,
 * reference, ratio, goal, pass/fail, with date, commit and the machine's description).
 * About 15 minutes on the 2-core development VM (budget: 20).
 *
 *   npm run bench                                   # full sizes, writes the committed results
 *   node --import tsx bench/src/all.ts --tiny       # smoke sizes, writes to a temp dir (or --out-dir)
 *   node --import tsx bench/src/all.ts --only croc,relay [--out-dir DIR]
 *
 * Each step is a separate process running one benchmark script exactly as a user would run it
 * alone (the table lists the commands); a step reports through its `BENCH_RESULT` line
 * (`lib/bench-result.ts`). A failed step is recorded with its error and the run goes on; the exit
 * code is 1 if any step failed. Every step runs in its own process group, killed on timeout, so
 * nothing it started outlives it.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BenchResult, type Figure, parseResults } from './lib/bench-result.ts';
import { describeMachine, gitState } from './lib/machine.ts';
import { type RunRecord, renderResults, type StepRecord } from './lib/results-markdown.ts';
import { machineTimes } from './lib/signaling-proc.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** One benchmark invocation: full-size arguments, smoke-size arguments, and a time bound for each. */
export interface Step {
  name: string;
  script: string;
  args: string[];
  tinyArgs: string[];
  timeoutS: number;
}

/** The run, in order. Sizes are chosen so the whole run fits 20 minutes on 2 shared cores. */
export const STEPS: Step[] = [
  {
    name: 'signaling',
    script: 'bench/src/signaling-vs-peerjs.ts',
    args: [],
    tinyArgs: ['--tiny'],
    timeoutS: 600,
  },
  {
    name: 'transfer-512m',
    script: 'bench/src/transfer-throughput.ts',
    args: ['--size=512M', '--rounds=3', '--latency-rounds=5'],
    tinyArgs: ['--tiny'],
    timeoutS: 420,
  },
  {
    name: 'transfer-4g',
    script: 'bench/src/transfer-throughput.ts',
    // Sparse source (4 GiB of random data would take minutes to write); the receiver writes every byte.
    args: ['--size=4G', '--sparse', '--rounds=1', '--latency-rounds=0'],
    tinyArgs: ['--size=16M', '--sparse', '--rounds=1', '--latency-rounds=0'],
    // Bounds are for a busy machine (other work took ~1.7 of the 2 cores in some runs here).
    timeoutS: 900,
  },
  {
    name: 'small-file-latency',
    script: 'bench/src/small-file-latency.ts',
    args: [],
    tinyArgs: ['--tiny'],
    timeoutS: 180,
  },
  {
    name: 'turn',
    script: 'bench/src/turn-throughput.ts',
    args: ['--mb=128'],
    tinyArgs: ['--tiny'],
    timeoutS: 300,
  },
  {
    name: 'relay',
    script: 'bench/src/relay-throughput.ts',
    args: ['--mb=512'],
    tinyArgs: ['--tiny'],
    timeoutS: 240,
  },
  { name: 'croc', script: 'bench/src/croc.ts', args: ['--mb=256'], tinyArgs: ['--tiny'], timeoutS: 300 },
  { name: 'chat', script: 'bench/src/chat-history.ts', args: [], tinyArgs: ['--tiny'], timeoutS: 420 },
  {
    name: 'chat-delivery',
    script: 'bench/src/chat-delivery.ts',
    // 4 pairs, ≤ 2,000 messages per sender, ≤ 10 s per phase (SDK, raw frames): ~30 s.
    args: [],
    tinyArgs: ['--tiny'],
    timeoutS: 180,
  },
];

interface AllOptions {
  tiny: boolean;
  only: Set<string> | null;
  outDir: string | null;
}

function parseOptions(argv: readonly string[]): AllOptions {
  let tiny = false;
  let only: Set<string> | null = null;
  let outDir: string | null = null;
  for (const arg of argv) {
    if (arg === '--tiny') tiny = true;
    else if (arg.startsWith('--only=')) only = new Set(arg.slice(7).split(',').filter(Boolean));
    else if (arg.startsWith('--out-dir=')) outDir = arg.slice(10);
    else throw new Error(`unknown argument ${arg}; usage: all.ts [--tiny] [--only=a,b] [--out-dir=DIR]`);
  }
  const names = new Set(STEPS.map((s) => s.name));
  for (const n of only ?? [])
    if (!names.has(n)) throw new Error(`--only: no step ${n} (${[...names].join(', ')})`);
  return { tiny, only, outDir };
}

/** Run one step in its own process group; its output streams through, prefixed. */
function runStep(step: Step, tiny: boolean): Promise<StepRecord> {
  const args = tiny ? step.tinyArgs : step.args;
  const command = ['node --import tsx', step.script, ...args].join(' ');
  const timeoutS = tiny ? Math.min(step.timeoutS, 240) : step.timeoutS;
  const t0 = performance.now();
  const steal0 = machineTimes().steal;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', step.script, ...args], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let tail = '';
    const pass = (d: Buffer, sink: NodeJS.WriteStream): void => {
      const text = d.toString();
      tail = (tail + text).slice(-4000);
      for (const line of text.split('\n'))
        if (line !== '' && !line.startsWith('BENCH_RESULT ')) sink.write(`[${step.name}] ${line}\n`);
    };
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      pass(d, process.stdout);
    });
    child.stderr?.on('data', (d: Buffer) => pass(d, process.stderr));
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    current = killGroup;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutS * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      // Whatever the step left behind in its group (servers, workers) goes with it.
      killGroup();
      current = null;
      const seconds = (performance.now() - t0) / 1000;
      const stealCores = (machineTimes().steal - steal0) / seconds;
      let results: BenchResult[] = [];
      let error: string | undefined;
      try {
        results = parseResults(stdout);
      } catch (err) {
        error = `unparsable BENCH_RESULT line: ${String(err)}`;
      }
      if (timedOut) error = `timed out after ${timeoutS} s\n${tail}`;
      else if (code !== 0) error = `exited ${code ?? signal}\n${tail}`;
      else if (results.length === 0) error ??= `printed no BENCH_RESULT line\n${tail}`;
      resolve({
        name: step.name,
        command,
        seconds,
        ...(Number.isFinite(stealCores) ? { stealCores } : {}),
        ok: error === undefined,
        ...(error ? { error } : {}),
        results,
      });
    });
  });
}

let current: (() => void) | null = null;

/**
 * Figures that need two steps: peak RSS at 4 GiB against 512 MiB (issue 3: within 10 %), which
 * says whether memory grows with the file.
 */
export function derivedFigures(steps: StepRecord[]): Figure[] {
  // By step, not by size: at --tiny the two steps move 8 and 16 MiB, and the figure still exists.
  const figuresOf = (name: string) =>
    steps.filter((s) => s.name === name).flatMap((s) => s.results.flatMap((r) => r.figures));
  const small = figuresOf('transfer-512m');
  const big = figuresOf('transfer-4g');
  const out: Figure[] = [];
  for (const side of ['sender', 'receiver']) {
    const prefix = `transfer.peak_rss_${side}.`;
    const s = small.find((f) => f.id.startsWith(prefix));
    const b = big.find((f) => f.id.startsWith(prefix));
    if (!s || !b) continue;
    out.push({
      id: `transfer.peak_rss_growth_${side}`,
      label: `Peak RSS of the ${side}: ${b.label.match(/, ([^,(]+)/u)?.[1]?.trim() ?? 'large'} file vs ${s.label.match(/, ([^,(]+)/u)?.[1]?.trim() ?? 'small'} file`,
      value: b.value,
      unit: 'MiB',
      reference: { label: 'same side, smaller file', value: s.value, unit: 'MiB' },
      ratio: b.value / s.value,
      goal: { text: '≤ 1.10× (memory does not grow with the file)', pass: b.value / s.value <= 1.1 },
      lowerIsBetter: true,
    });
  }
  return out;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const outDir = o.outDir
    ? isAbsolute(o.outDir)
      ? o.outDir
      : join(ROOT, o.outDir)
    : o.tiny
      ? await mkdtemp(join(tmpdir(), 'hypersend-bench-tiny-'))
      : join(ROOT, 'bench');
  const jsonPath = o.outDir || o.tiny ? join(outDir, 'latest.json') : join(ROOT, 'bench/results/latest.json');
  const mdPath = join(outDir, 'RESULTS.md');
  const steps = STEPS.filter((s) => o.only === null || o.only.has(s.name));
  const machine = describeMachine();
  const git = gitState(ROOT);
  const started = new Date();
  const t0 = performance.now();
  const onSignal = (sig: NodeJS.Signals): void => {
    current?.();
    console.error(`\n${sig}: stopped`);
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  console.log(
    `hypersend benchmarks${o.tiny ? ' (--tiny)' : ''}: ${steps.map((s) => s.name).join(', ')}; ` +
      `${machine.cpuModel}, ${machine.cores} cores, load ${machine.loadAvgStart.toFixed(2)}`,
  );
  const records: StepRecord[] = [];
  for (const step of steps) {
    console.log(`\n=== ${step.name}: ${step.script} ${(o.tiny ? step.tinyArgs : step.args).join(' ')}`);
    const r = await runStep(step, o.tiny);
    console.log(`=== ${step.name}: ${r.ok ? 'ok' : 'FAILED'} in ${r.seconds.toFixed(0)} s`);
    records.push(r);
  }
  const run: RunRecord = {
    date: started.toISOString(),
    seconds: (performance.now() - t0) / 1000,
    tiny: o.tiny,
    commit: git.commit,
    dirty: git.dirty,
    machine: { ...machine, loadAvgEnd: loadavg()[0] ?? Number.NaN },
    steps: records,
    derived: derivedFigures(records),
  };
  await mkdir(join(jsonPath, '..'), { recursive: true });
  await writeFile(jsonPath, `${JSON.stringify(run, null, 2)}\n`);
  const md = renderResults(run);
  await writeFile(mdPath, md);
  console.log(`\n${md}`);
  console.log(`written: ${relative(ROOT, jsonPath) || jsonPath}, ${relative(ROOT, mdPath) || mdPath}`);
  const failed = records.filter((r) => !r.ok).map((r) => r.name);
  if (failed.length > 0) {
    console.error(`failed steps: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
