// Test-parent side of sdk-peer-child.ts: fork one HypersendClient per process, send it commands,
// wait for its reports.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromSdkPeer, ToSdkPeer } from './sdk-peer-child.ts';

const SCRIPT = fileURLToPath(new URL('./sdk-peer-child.ts', import.meta.url));

/** One forked SDK client. */
export class SdkPeerProcess {
  readonly log: FromSdkPeer[] = [];
  readonly #child: ChildProcess;
  readonly #waiters = new Set<() => void>();
  /** How the process ended (`code 13`, `signal SIGSEGV`), or null while it runs. */
  #exited: string | null = null;

  constructor(serverUrl: string, stateDir: string) {
    this.#child = fork(SCRIPT, [serverUrl, stateDir], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child.on('message', (m) => {
      this.log.push(m as FromSdkPeer);
      for (const w of [...this.#waiters]) w();
    });
    this.#child.on('exit', (code, signal) => {
      this.#exited = signal === null ? `code ${code}` : `signal ${signal}`;
      for (const w of [...this.#waiters]) w();
    });
  }

  send(cmd: ToSdkPeer): void {
    this.#child.send(cmd);
  }

  /** The first report (already seen or future) of type `t` that satisfies `pred`. */
  waitFor<T extends FromSdkPeer['t']>(
    t: T,
    timeoutMs: number,
    pred: (m: Extract<FromSdkPeer, { t: T }>) => boolean = () => true,
  ): Promise<Extract<FromSdkPeer, { t: T }>> {
    return new Promise((resolve, reject) => {
      const find = (): void => {
        const hit = this.log.find((m): m is Extract<FromSdkPeer, { t: T }> => m.t === t && pred(m as never));
        const failed = this.log.find((m) => m.t === 'error');
        if (hit) done(() => resolve(hit));
        else if (failed && t !== 'error')
          done(() => reject(new Error(`peer failed: ${JSON.stringify(failed)}`)));
        else if (this.#exited !== null)
          done(() =>
            reject(new Error(`peer exited (${this.#exited}) before ${t}; log tail ${tail(this.log)}`)),
          );
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`timed out waiting for ${t}; log tail ${tail(this.log)}`))),
        timeoutMs,
      );
      const done = (f: () => void): void => {
        clearTimeout(timer);
        this.#waiters.delete(find);
        f();
      };
      this.#waiters.add(find);
      find();
    });
  }

  kill(): void {
    this.#child.kill('SIGKILL');
  }
}

function tail(log: FromSdkPeer[]): string {
  return JSON.stringify(log.filter((m) => m.t !== 'progress').slice(-8));
}
