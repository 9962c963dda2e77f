/**
 * The one machine-readable result every benchmark prints, so `bench/src/all.ts` can collect them
 * into `bench/results/latest.json` and `bench/RESULTS.md` without parsing human output. A benchmark
 * prints its usual human lines and, last, one `BENCH_RESULT {json}` line per result.
 *
 * The figure that matters is usually the `ratio` to a reference measured in the same run: the
 * machines are shared and noisy, and a ratio survives the noise far better than an absolute rate.
 */

/** Marks the machine-readable line in a benchmark's stdout. */
export const RESULT_PREFIX = 'BENCH_RESULT ';

/** A stated target and whether this run met it. */
export interface Goal {
  /** Human statement of the target, e.g. `≥ 90 % of raw`. */
  text: string;
  pass: boolean;
}

/** One row of the results table. */
export interface Figure {
  /** Stable key, e.g. `transfer.encrypted_mbps`; the JSON is read by scripts through it. */
  id: string;
  /** What was measured, for the table, e.g. `Encrypted direct transfer, 512 MiB`. */
  label: string;
  value: number;
  unit: string;
  /** The reference measured in the same run, if this figure has one. */
  reference?: { label: string; value: number; unit: string };
  /** `value / reference.value` (or the inverse where stated in `note`). */
  ratio?: number;
  goal?: Goal;
  /** Smaller is better (latency, memory): a ratio below 1 favours Hypersend. */
  lowerIsBetter?: boolean;
  note?: string;
}

/** What one benchmark run reports. `details` holds everything else it measured. */
export interface BenchResult {
  bench: string;
  tiny: boolean;
  figures: Figure[];
  details?: unknown;
}

/** Print `result` as the machine-readable line (after the benchmark's human output). */
export function emitResult(result: BenchResult): void {
  console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`);
}

/** Every `BENCH_RESULT` line of a benchmark's output, parsed. */
export function parseResults(stdout: string): BenchResult[] {
  const results: BenchResult[] = [];
  for (const line of stdout.split('\n'))
    if (line.startsWith(RESULT_PREFIX))
      results.push(JSON.parse(line.slice(RESULT_PREFIX.length)) as BenchResult);
  return results;
}

/**
 * A figure with a reference and the ratio between them.
 *
 * @example
 * compared('relay.upload', 'Relay upload', up, 'MB/s', { label: 'disk copy', value: copy, unit: 'MB/s' });
 */
export function compared(
  id: string,
  label: string,
  value: number,
  unit: string,
  reference: { label: string; value: number; unit?: string },
  goal?: Goal,
  lowerIsBetter = false,
): Figure {
  return {
    id,
    label,
    value,
    unit,
    reference: { label: reference.label, value: reference.value, unit: reference.unit ?? unit },
    ratio: value / reference.value,
    ...(goal === undefined ? {} : { goal }),
    ...(lowerIsBetter ? { lowerIsBetter } : {}),
  };
}
