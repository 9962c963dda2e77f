import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromLoadWorker, LoadWorkerConfig, ToLoadWorker } from './signaling-ipc.ts';
import { REPO_ROOT } from './signaling-server-process.ts';

const WORKER_FILE = fileURLToPath(new URL('./signaling-load-worker.ts', import.meta.url));

/** A forked load-generator worker answering one command at a time. */
export class LoadWorker {
  readonly child: ChildProcess;
  private pending: { resolve(msg: FromLoadWorker): void; reject(err: Error): void } | null = null;
  private exited: Error | null = null;

  constructor(
    readonly config: LoadWorkerConfig,
    nodeArgs: readonly string[] = [],
  ) {
    this.child = fork(WORKER_FILE, [JSON.stringify(config)], {
      cwd: REPO_ROOT,
      execArgv: [...nodeArgs, '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (msg: FromLoadWorker) => {
      const pending = this.pending;
      this.pending = null;
      if (msg.t === 'error') pending?.reject(new Error(`worker ${config.index}: ${msg.message}`));
      else pending?.resolve(msg);
    });
    this.child.on('exit', (code, signal) => {
      this.exited = new Error(`worker ${config.index} exited (${code ?? signal})`);
      this.pending?.reject(this.exited);
      this.pending = null;
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Send a command and wait for its answer of type `expect`, at most `timeoutMs`. */
  call<T extends FromLoadWorker['t']>(
    msg: ToLoadWorker,
    expect: T,
    timeoutMs: number,
  ): Promise<Extract<FromLoadWorker, { t: T }>> {
    if (this.exited) return Promise.reject(this.exited);
    if (this.pending) return Promise.reject(new Error('a worker answers one command at a time'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = null;
        reject(new Error(`worker ${this.config.index}: no answer to ${msg.t} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending = {
        resolve: (reply) => {
          clearTimeout(timer);
          if (reply.t === expect) resolve(reply as Extract<FromLoadWorker, { t: T }>);
          else reject(new Error(`worker ${this.config.index}: expected ${expect}, got ${reply.t}`));
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.child.send(msg);
    });
  }

  /** Ask the worker to leave; kill it if it does not within 10 s (a CPU profile takes a while to write). */
  async exit(): Promise<void> {
    if (this.exited) return;
    // A clean exit (not a kill) is what lets `--cpu-prof` write its profile.
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    if (this.child.connected) this.child.send({ t: 'exit' } satisfies ToLoadWorker);
    const timer = setTimeout(() => this.kill(), 10_000);
    await gone;
    clearTimeout(timer);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/**
 * Split `connections / 2` pairs over `workers` as evenly as possible; returns each worker's first
 * user index and user count (both even, so a pair never spans two workers).
 */
export function slicePairs(
  connections: number,
  workers: number,
): Array<{ firstUser: number; users: number }> {
  const pairs = connections / 2;
  const slices: Array<{ firstUser: number; users: number }> = [];
  let first = 0;
  for (let w = 0; w < workers; w++) {
    const n = Math.floor(pairs / workers) + (w < pairs % workers ? 1 : 0);
    slices.push({ firstUser: first * 2, users: n * 2 });
    first += n;
  }
  return slices;
}
