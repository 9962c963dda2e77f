// Reads docker-compose.yml, .env.example and the Dockerfiles the way Docker would, for the deploy
// tests: compose variable interpolation (${VAR}, ${VAR:-default}, ${VAR:?error}, $$), the .env
// syntax compose accepts, and YAML merge keys (<<: *anchor), which compose supports.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../cli/cli-harness.ts';

export { ROOT };
export const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');
export const COMPOSE_DEV_FILE = join(ROOT, 'docker-compose.dev.yml');
export const ENV_EXAMPLE_FILE = join(ROOT, '.env.example');

/** The parts of a compose service the tests look at. */
export interface ComposeService {
  image?: string;
  pull_policy?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  network_mode?: string;
  healthcheck?: { test?: string[]; disable?: boolean };
  restart?: string;
  user?: string;
  read_only?: boolean;
  cap_drop?: string[];
  deploy?: { resources?: { limits?: { cpus?: string; memory?: string } } };
  depends_on?: Record<string, { condition: string }>;
}

export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  networks?: Record<string, unknown>;
}

/** One `${...}` reference in the raw compose text. */
export interface VariableUse {
  name: string;
  /** `:?` / `?` (required), `:-` / `-` (default), or none. */
  operator: ':?' | '?' | ':-' | '-' | '';
  argument: string;
}

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:\?|\?|:-|-)([^}]*))?\}/g;

/** The raw text of a repository file. */
export function readRepoFile(relativePath: string): string {
  return readFileSync(join(ROOT, relativePath), 'utf8');
}

/** Every `${VAR...}` reference in a compose file's text, comments excluded. */
export function variableUses(composeText: string): VariableUse[] {
  const uses: VariableUse[] = [];
  for (const line of composeText.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    for (const m of line.matchAll(REFERENCE)) {
      uses.push({
        name: m[1] ?? '',
        operator: (m[2] ?? '') as VariableUse['operator'],
        argument: m[3] ?? '',
      });
    }
  }
  return uses;
}

/** A `${VAR:?message}` whose variable is unset or empty: compose refuses to start. */
export class MissingVariableError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`required variable ${variable} is missing a value: ${message}`);
    this.name = 'MissingVariableError';
  }
}

/**
 * Parse a compose file the way `docker compose` does: YAML first (with merge keys), then variable
 * interpolation inside every string value (`:-`/`-` defaults, `:?`/`?` required, `$$` for `$`).
 *
 * @throws MissingVariableError for a required variable without a value, as compose would refuse.
 */
export function loadCompose(text: string, env: Record<string, string | undefined>): ComposeFile {
  return interpolateTree(parse(text, { merge: true }), env) as ComposeFile;
}

function interpolateTree(node: unknown, env: Record<string, string | undefined>): unknown {
  if (typeof node === 'string') return interpolate(node, env);
  if (Array.isArray(node)) return node.map((item) => interpolateTree(item, env));
  if (node !== null && typeof node === 'object')
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateTree(v, env)]));
  return node;
}

/** Interpolate one string value (compose does not interpolate keys). */
export function interpolate(value: string, env: Record<string, string | undefined>): string {
  // Split on `$$` first so an escaped dollar never starts a reference.
  return value
    .split('$$')
    .map((part) =>
      part.replace(REFERENCE, (_m, name: string, op: string | undefined, arg: string) => {
        const current = env[name];
        const missing = current === undefined || ((op === ':?' || op === ':-') && current === '');
        if (op === ':?' || op === '?') {
          if (missing) throw new MissingVariableError(name, arg);
          return current ?? '';
        }
        if (op === ':-' || op === '-') return missing ? arg : (current ?? '');
        return current ?? '';
      }),
    )
    .join('$');
}

/** Parse compose's `.env` syntax: `KEY=value`, optional single or double quotes, `\n` in double quotes. */
export function parseDotEnv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new Error(`.env line is not KEY=value: ${line}`);
    let value = m[2] ?? '';
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2)
      value = value.slice(1, -1).replace(/\\n/g, '\n');
    else if (value.startsWith("'") && value.endsWith("'") && value.length >= 2) value = value.slice(1, -1);
    out.set(m[1] ?? '', value);
  }
  return out;
}

/** A Dockerfile's instructions, continuation lines joined, comments dropped. */
export function dockerfileInstructions(text: string): { keyword: string; args: string }[] {
  const joined = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [keyword = '', ...rest] = l.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}
