import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root: `--import tsx` and `signaling/src/main.ts` resolve from here. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A signaling server running in its own process, as it does in production. */
export interface ServerProcess {
  pid: number;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `ws://127.0.0.1:PORT/v1/ws` */
  wsUrl: string;
  /** What uWS reported about its binding (native or the `ws` fallback). */
  binding: string;
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
    [...(options.nodeArgs ?? []), '--import', 'tsx', options.script ?? 'signaling/src/main.ts'],
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
  child.stdout?.resume();

  return {
    pid: child.pid!,
    ...banner,
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
