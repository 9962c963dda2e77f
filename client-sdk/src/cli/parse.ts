// Command-line parsing with node:util parseArgs: global options anywhere, then the command's own.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './exit-codes.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Options every command accepts. */
export const GLOBAL_OPTIONS: Options = {
  server: { type: 'string' },
  profile: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

/** Each command's own options. */
export const COMMAND_OPTIONS: Record<string, Options> = {
  register: { 'display-name': { type: 'string' } },
  login: {},
  logout: {},
  contacts: {},
  chat: { history: { type: 'string' } },
  msg: {},
  devices: { yes: { type: 'boolean' } },
  fingerprint: { device: { type: 'string' }, accept: { type: 'string' } },
  send: {
    to: { type: 'string' },
    device: { type: 'string' },
    timeout: { type: 'string' },
    'turn-only': { type: 'boolean' },
    'limit-rate': { type: 'string' },
    relay: { type: 'string' },
    'relay-after': { type: 'string' },
  },
  receive: {
    dir: { type: 'string' },
    yes: { type: 'boolean', short: 'y' },
    decline: { type: 'boolean' },
    overwrite: { type: 'boolean' },
    timeout: { type: 'string' },
    'turn-only': { type: 'boolean' },
  },
};

/** A parsed command line. */
export interface Parsed {
  command: string | undefined;
  /** Positionals after the command. */
  args: string[];
  values: Record<string, string | boolean | undefined>;
}

/**
 * Parse `argv` (without node and script). The command is the first positional; a second, strict
 * pass with that command's options rejects unknown flags (exit 2).
 *
 * @example
 * parse(['send', 'a.bin', '--to', 'bob']).values.to; // 'bob'
 * @throws UsageError
 */
export function parse(argv: string[]): Parsed {
  const all: Options = { ...GLOBAL_OPTIONS };
  for (const o of Object.values(COMMAND_OPTIONS)) Object.assign(all, o);
  let loose: ReturnType<typeof parseArgs>;
  try {
    loose = parseArgs({ args: argv, options: all, allowPositionals: true, strict: false });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const command = loose.positionals[0];
  if (command === undefined) return { command, args: [], values: loose.values as Parsed['values'] };
  const own = COMMAND_OPTIONS[command];
  if (own === undefined) throw new UsageError(`unknown command ${command}`);
  try {
    const strict = parseArgs({
      args: argv,
      options: { ...GLOBAL_OPTIONS, ...own },
      allowPositionals: true,
      strict: true,
    });
    return { command, args: strict.positionals.slice(1), values: strict.values as Parsed['values'] };
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err), command);
  }
}

/** A `--timeout SECONDS` value in ms, or `fallback`. */
export function secondsOption(v: string | boolean | undefined, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isFinite(n) || n <= 0)
    throw new UsageError(`--${name} expects seconds`);
  return n * 1000;
}

const RATE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/**
 * A `--limit-rate RATE` value in bytes per second, or undefined when absent. RATE is a number with
 * an optional binary suffix, as curl and rsync read it: `500K`, `10M`, `1.5G`.
 *
 * @example
 * rateOption('10M'); // 10485760
 * @throws UsageError on anything else, or below 16K.
 */
export function rateOption(v: string | boolean | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)([kmg]?)(?:i?b)?$/iu.exec(v.trim()) : null;
  const bytes = m
    ? Math.floor(Number(m[1]) * (RATE_UNITS[(m[2] ?? '').toLowerCase()] ?? Number.NaN))
    : Number.NaN;
  if (!Number.isFinite(bytes) || bytes < 16 * 1024)
    throw new UsageError(
      '--limit-rate expects bytes per second of at least 16K, e.g. 500K, 10M or 1.5G',
      'send',
    );
  return bytes;
}

/** `--turn-only`, or `HYPERSEND_TURN_ONLY=1` (so a privacy-minded user sets it once). */
export function turnOnlyOption(a: Parsed, env: NodeJS.ProcessEnv = process.env): boolean {
  return a.values['turn-only'] === true || env.HYPERSEND_TURN_ONLY === '1';
}
