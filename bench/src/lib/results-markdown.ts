import type { BenchResult, Figure } from './bench-result.ts';
import type { MachineDescription } from './machine.ts';

/** One benchmark process run by `all.ts`. */
export interface StepRecord {
  name: string;
  /** The command, as a user would type it to run this step alone. */
  command: string;
  seconds: number;
  /**
   * CPU time the hypervisor gave to other guests during the step (`/proc/stat` steal), in cores:
   * how much of this VM's 2 cores it did not have. Absent where unreadable and in old records.
   */
  stealCores?: number;
  ok: boolean;
  /** Why it failed (exit code, timeout, last output lines). */
  error?: string;
  results: BenchResult[];
}

/** What `all.ts` writes to bench/results/latest.json. */
export interface RunRecord {
  date: string;
  seconds: number;
  tiny: boolean;
  commit: string;
  dirty: boolean;
  machine: MachineDescription;
  steps: StepRecord[];
  /** Figures computed across steps (e.g. 4 GiB peak RSS against 512 MiB). */
  derived: Figure[];
}

const num = (v: number): string => {
  if (!Number.isFinite(v)) return '–';
  // Tiny ratios (FerretDB vs SQLite) would otherwise print as 0.00.
  if (v !== 0 && Math.abs(v) < 0.01) return v.toPrecision(2);
  const digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
  return v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
};

function row(f: Figure, tiny: boolean): string {
  const cell = (s: string) => s.replaceAll('|', '\\|');
  const ref = f.reference ? `${num(f.reference.value)} ${f.reference.unit} (${f.reference.label})` : '–';
  const ratio =
    f.ratio === undefined ? '–' : `${num(f.ratio)}×${f.lowerIsBetter ? ' (lower is better)' : ''}`;
  const goal = f.goal?.text ?? '–';
  const pass = f.goal === undefined ? '–' : tiny ? 'n/a (tiny)' : f.goal.pass ? 'pass' : '**FAIL**';
  return `| ${cell(f.label)} | ${num(f.value)} ${f.unit} | ${cell(ref)} | ${ratio} | ${cell(goal)} | ${pass} |`;
}

/** RESULTS.md: the machine, then one table row per figure, then what each step ran. */
export function renderResults(run: RunRecord): string {
  const m = run.machine;
  const figures = [...run.steps.flatMap((s) => s.results.flatMap((r) => r.figures)), ...run.derived];
  const lines = [
    '# Hypersend benchmark results',
    '',
    `Written by \`npm run bench\` (\`bench/src/all.ts\`${run.tiny ? ' --tiny: smoke sizes, not results' : ''}). ` +
      'Every figure sits next to a reference measured in the same run, on the same machine, minutes apart.',
    '',
    '**Read the ratios, not the absolute rates.** The machine is a shared 2-core VM: other work ran during ' +
      'this run (see the load averages), and absolute MB/s and latencies move by tens of percent from run to ' +
      'run. A ratio to a reference measured alongside is what survives that noise.',
    '',
    `- Date: ${run.date} (${num(run.seconds / 60)} minutes)`,
    `- Commit: \`${run.commit}\`${run.dirty ? ' (working tree had uncommitted changes of other work in progress)' : ''}`,
    `- CPU: ${m.cpuModel}, ${m.cores} cores; RAM ${m.ramGiB} GiB (${m.freeRamGiBStart} GiB free at start)`,
    `- Kernel: ${m.kernel}`,
    `- Node: ${m.node}`,
    `- Load average (1 min): ${num(m.loadAvgStart)} at start, ${num(m.loadAvgEnd ?? Number.NaN)} at end`,
    '',
    '| Figure | Hypersend | Reference (same run) | Ratio | Goal | Pass |',
    '|---|---|---|---|---|---|',
    ...figures.map((f) => row(f, run.tiny)),
    '',
    'Ratio is Hypersend ÷ reference. MB/s is 10^6 bytes/s, MiB/s 2^20 bytes/s.',
    '',
    '## Steps',
    '',
    '| Step | Command (runs alone) | Time | Steal | Outcome |',
    '|---|---|---|---|---|',
    ...run.steps.map(
      (s) =>
        `| ${s.name} | \`${s.command}\` | ${num(s.seconds)} s | ${s.stealCores === undefined ? '–' : `${s.stealCores.toFixed(2)} cores`} | ${s.ok ? 'ok' : `**failed**: ${(s.error ?? '').split('\n')[0]?.replaceAll('|', '\\|')}`} |`,
    ),
    '',
    'Steal: CPU time the hypervisor gave to other guests during the step (`/proc/stat`), i.e. how ' +
      "much of this VM's 2 cores the step did not get. The signaling benchmark's worst misses came " +
      'with steal of 0.1 cores or more (bench/README.md, "What the remaining misses are").',
    '',
  ];
  const notes = run.steps.flatMap((s) => s.results.flatMap((r) => r.figures.filter((f) => f.note)));
  if (notes.length > 0) lines.push('## Notes', '', ...notes.map((f) => `- ${f.label}: ${f.note}`), '');
  return lines.join('\n');
}
