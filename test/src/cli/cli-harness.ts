// Runs the real `hypersend` CLI in child processes, one config home per peer.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { randomUsername } from '../helpers/users.ts';

/** Repository root and the CLI shim, run exactly as a user would: `node client-sdk/bin/hypersend.js`. */
export const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const BIN = join(ROOT, 'client-sdk', 'bin', 'hypersend.js');

/** A finished CLI run. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running CLI process with its output so far. */
export interface CliProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when the process exits (bounded: kills it after `timeoutMs`). */
  done: Promise<CliResult>;
  /** Resolves when stdout+stderr match `re` (rejects after `timeoutMs` or at exit without a match). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
  write(text: string): void;
}

const running = new Set<ChildProcess>();

/** One peer: its own XDG_CONFIG_HOME (identity, pinned keys, session) and the server URL. */
export class Peer {
  private constructor(
    readonly home: string,
    readonly server: string,
    readonly username: string,
  ) {}

  static async create(server: string, username: string): Promise<Peer> {
    return new Peer(await mkdtemp(join(tmpdir(), 'hs-cli-')), server, username);
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      HYPERSEND_SERVER: this.server,
      XDG_CONFIG_HOME: this.home,
      HYPERSEND_PASSWORD: 'correct horse battery',
      ...extra,
    };
  }

  /** Start `hypersend args…`. */
  spawn(args: string[], o: { timeoutMs?: number; env?: Record<string, string> } = {}): CliProcess {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: this.env(o.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    running.add(child);
    let out = '';
    let err = '';
    const listeners = new Set<() => void>();
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      for (const l of listeners) l();
    });
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      for (const l of listeners) l();
    });
    const timeoutMs = o.timeoutMs ?? 60_000;
    const done = new Promise<CliResult>((res) => {
      const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('exit', (code, signal) => {
        clearTimeout(t);
        running.delete(child);
        // Let the pipes drain before reporting.
        setImmediate(() => res({ code, signal, stdout: out, stderr: err }));
      });
    });
    return {
      child,
      stdout: () => out,
      stderr: () => err,
      done,
      write: (text) => child.stdin?.write(text),
      waitFor(re, ms = 30_000) {
        return new Promise((res, rej) => {
          const check = () => {
            if (re.test(out + err)) {
              cleanup();
              res();
            }
          };
          const t = setTimeout(() => {
            cleanup();
            rej(new Error(`timed out waiting for ${re}; output:\n${out}\n${err}`));
          }, ms);
          const cleanup = () => {
            clearTimeout(t);
            listeners.delete(check);
          };
          listeners.add(check);
          void done.then(() => {
            check();
            if (listeners.has(check)) {
              cleanup();
              rej(new Error(`exited before ${re}; output:\n${out}\n${err}`));
            }
          });
          check();
        });
      },
    };
  }

  /** Run to completion. */
  run(
    args: string[],
    o: { timeoutMs?: number; input?: string; env?: Record<string, string> } = {},
  ): Promise<CliResult> {
    const p = this.spawn(args, o);
    p.child.stdin?.end(o.input ?? '');
    return p.done;
  }

  /** Run and require exit 0. */
  async ok(args: string[], o: { timeoutMs?: number; input?: string } = {}): Promise<CliResult> {
    const r = await this.run(args, o);
    if (r.code !== 0)
      throw new Error(`hypersend ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r;
  }

  async cleanup(): Promise<void> {
    await rm(this.home, { recursive: true, force: true });
  }
}

/** Kill every CLI process still running (afterEach). */
export function killAll(): void {
  for (const c of running) c.kill('SIGKILL');
  running.clear();
}

/** Register `a` and `b` through the CLI and make them contacts (add + accept). */
export async function befriendViaCli(a: Peer, b: Peer): Promise<void> {
  await Promise.all([a.ok(['register', a.username]), b.ok(['register', b.username])]);
  await a.ok(['contacts', 'add', b.username]);
  await b.ok(['contacts', 'accept', a.username]);
}

/** A test file's signaling server and two befriended CLI peers (see {@link useBefriendedPair}). */
export interface BefriendedPair {
  server: TestServer;
  a: Peer;
  b: Peer;
}

/**
 * Give a test file a real signaling server and two CLI peers that are registered contacts:
 * created before its tests, every CLI process killed after each test, all removed after the
 * file. Read `pair.a` / `pair.b` inside tests (they are set once `beforeAll` has run).
 *
 * @example
 * const pair = useBefriendedPair('alice', 'bob');
 * it('sends', async () => { await pair.a.run(['send', file, '--to', pair.b.username]); });
 */
export function useBefriendedPair(nameA: string, nameB: string): BefriendedPair {
  const pair = {} as Partial<BefriendedPair>;
  beforeAll(async () => {
    const server = await startTestServer();
    pair.server = server;
    pair.a = await Peer.create(server.url, randomUsername(nameA));
    pair.b = await Peer.create(server.url, randomUsername(nameB));
    await befriendViaCli(pair.a, pair.b);
  }, 120_000);
  afterEach(() => killAll());
  afterAll(async () => {
    killAll();
    await pair.a?.cleanup();
    await pair.b?.cleanup();
    await pair.server?.close();
  });
  return pair as BefriendedPair;
}
