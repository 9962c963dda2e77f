import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LOOP_DELAY_PREFIX, type LoopDelaySummary } from './signaling-ipc.ts';

/** The repository root: `--import tsx` and `signaling/src/main.ts` resolve from here. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Preloaded into every server so its event-loop delay can be read (see the module). */
const LOOP_MONITOR = fileURLToPath(new URL('./signaling-loop-monitor.ts', import.meta.url));
const LOOP_DELAY_TIMEOUT_MS = 5_000;

/** A signaling server running in its own process, as it does in production. */
export interface ServerProcess {
  pid: number;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `ws://127.0.0.1:PORT/v1/ws` */
  wsUrl: string;
  /** What uWS reported about its binding (native or the `ws` fallback). */
  binding: string;
  /**
   * The server's event-loop delay since the previous call (or start), then starts over; null
   * when the server did not answer in time.
   */
  loopDelay(): Promise<LoopDelaySummary | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** Kill at once, synchronously (for `exit` handlers). */
  kill(): void;
}

/**
 * Spawn `node --import tsx signaling/src/main.ts` with `env` on top of a cleaned environment and
 * wait for its start-up banner, which carries the URLs (PORT=0 lets the kernel pick the port, so
 * nothing can race for it). Rejects with the server's stderr if it exits or stays silent.
 *
 * @example
 * const server = await startServerProcess({ PORT: '0', LOG_LEVEL: 'warn' });
 * try { … } finally { await server.stop(); }
 */
export async function startServerProcess(
  env: Record<string, string>,
  options: { nodeArgs?: string[]; timeoutMs?: number; script?: string } = {},
): Promise<ServerProcess> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    // Only the variables below configure the server: an inherited MONGODB_URI or limit would skew it.
    if (v !== undefined && !k.startsWith('HYPERSEND_') && k !== 'MONGODB_URI' && k !== 'PORT') base[k] = v;
  }
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      '--import',
      'tsx',
      '--import',
      LOOP_MONITOR,
      options.script ?? 'signaling/src/main.ts',
    ],
    { cwd: REPO_ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8192);
    // Warnings and errors of the server under load are part of the result: pass them on.
    process.stderr.write(chunk.replace(/^/gm, '[server] '));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const banner = await new Promise<{ url: string; wsUrl: string; binding: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`signaling server did not start within ${options.timeoutMs ?? 30_000} ms\n${stderr}`));
    }, options.timeoutMs ?? 30_000);
    const onExit = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      reject(new Error(`signaling server exited during start-up (${code ?? signal})\n${stderr}`));
    };
    child.once('exit', onExit);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const http = /HTTP API\s+(http:\/\/\S+?)\/v1\s/.exec(stdout);
      const ws = /WebSocket\s+(ws:\/\/\S+)/.exec(stdout);
      const uws = /uWS\s+(.+)/.exec(stdout);
      if (http?.[1] && ws?.[1] && uws?.[1]) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve({ url: http[1], wsUrl: ws[1], binding: uws[1].trim() });
      }
    });
  });
  // After the banner, stdout only matters for the loop monitor's answers.
  let lineBuffer = '';
  let loopWaiter: ((summary: LoopDelaySummary | null) => void) | null = null;
  child.stdout?.removeAllListeners('data');
  child.stdout?.on('data', (chunk: string) => {
    lineBuffer += chunk;
    let nl = lineBuffer.indexOf('\n');
    while (nl >= 0) {
      const line = lineBuffer.slice(0, nl);
      lineBuffer = lineBuffer.slice(nl + 1);
      if (line.startsWith(LOOP_DELAY_PREFIX) && loopWaiter !== null) {
        loopWaiter(JSON.parse(line.slice(LOOP_DELAY_PREFIX.length)) as LoopDelaySummary);
        loopWaiter = null;
      }
      nl = lineBuffer.indexOf('\n');
    }
    if (lineBuffer.length > 65_536) lineBuffer = '';
  });

  return {
    pid: child.pid!,
    ...banner,
    loopDelay: () =>
      new Promise((resolve) => {
        if (!isRunning(child)) return resolve(null);
        const timer = setTimeout(() => {
          loopWaiter = null;
          resolve(null);
        }, LOOP_DELAY_TIMEOUT_MS);
        loopWaiter = (summary) => {
          clearTimeout(timer);
          resolve(summary);
        };
        child.kill('SIGUSR2');
      }),
    kill: () => {
      if (isRunning(child)) child.kill('SIGKILL');
    },
    async stop(graceMs = 15_000) {
      if (!isRunning(child)) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}
