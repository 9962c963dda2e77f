/** Benchmark knobs shared by the raw and PeerSession benchmarks: argv first, then env. */
export interface BenchOptions {
  bytes: number;
  messageBytes: number;
  highWatermark: number;
  lowWatermark: number;
  pollMs: number;
  rounds: number;
  tiny: boolean;
}

const MiB = 1024 * 1024;

/**
 * Parse `--tiny`, `--mb=256`, `--high-kib=4096`, `--low-kib=1024`, `--poll-ms=5`, `--rounds=3`,
 * `--message-kib=64`, or the env equivalents `BENCH_MB`, `BENCH_HIGH_KIB`, … .
 */
export function benchOptions(argv: readonly string[] = process.argv.slice(2)): BenchOptions {
  const flag = (name: string): string | undefined => {
    const hit = argv.find((a) => a.startsWith(`--${name}=`));
    if (hit) return hit.slice(name.length + 3);
    return process.env[`BENCH_${name.toUpperCase().replaceAll('-', '_')}`];
  };
  const num = (name: string, fallback: number): number => {
    const v = flag(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${v}`);
    return n;
  };
  const tiny = argv.includes('--tiny') || process.env.BENCH_TINY === '1';
  const highWatermark = num('high-kib', 4096) * 1024;
  return {
    tiny,
    bytes: Math.round(num('mb', tiny ? 4 : 256) * MiB),
    messageBytes: num('message-kib', 64) * 1024,
    highWatermark,
    lowWatermark: num('low-kib', highWatermark / 4 / 1024) * 1024,
    pollMs: num('poll-ms', 5),
    rounds: num('rounds', tiny ? 1 : 3),
  };
}

/** `--name=value` flags of a benchmark's command line, read by name. */
export interface FlagReader {
  /** The value of `--name=…`, or undefined. */
  get(name: string): string | undefined;
  /** `--name=N` as a positive integer, else `fallback`; anything else throws naming the flag. */
  positiveInt(name: string, fallback: number): number;
}

/**
 * @example
 * const flags = flagReader(['--messages=500']);
 * flags.positiveInt('messages', 2000); // 500
 */
export function flagReader(argv: readonly string[]): FlagReader {
  const get = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  return {
    get,
    positiveInt(name, fallback) {
      const v = get(name);
      const n = v === undefined ? fallback : Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got ${v}`);
      return n;
    },
  };
}

/** Middle value (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  if (s.length === 0) return Number.NaN;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Generous per-round bound: set-up plus the payload at a pessimistic 3 MB/s. */
export function roundTimeoutMs(bytes: number): number {
  return 45_000 + (bytes / 3e6) * 1000;
}
