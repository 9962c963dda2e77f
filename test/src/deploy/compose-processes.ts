// Runs a docker-compose service's process without Docker: the command from docker-compose.yml, the
// environment its image sets (ENV in the Dockerfile's last stage) overlaid with the compose
// `environment`, and nothing from the test runner's own environment but PATH. Only addresses are
// remapped (container hosts and ports to loopback, container paths to temp dirs), explicitly, so a
// test sees exactly what differs from a real `docker compose up`.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { type ComposeService, dockerfileInstructions, ROOT, readRepoFile } from './compose-model.ts';

/** The environment an image bakes in: `ENV` lines of the Dockerfile's last stage. */
export function imageEnv(dockerfile: string): Record<string, string> {
  const steps = dockerfileInstructions(readRepoFile(dockerfile));
  const lastFrom = steps.map((s) => s.keyword).lastIndexOf('FROM');
  const out: Record<string, string> = {};
  for (const step of steps.slice(lastFrom))
    if (step.keyword === 'ENV')
      for (const m of step.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g))
        out[m[1] ?? ''] = (m[2] ?? '').replace(/^"|"$/g, '');
  return out;
}

/** A free TCP port on 127.0.0.1 (closed again; the caller binds it next). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** A running service process with its output so far. */
export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** SIGTERM (what `docker stop` sends); resolves with the exit code, SIGKILL after `ms`. */
  stop(ms?: number): Promise<number | null>;
}

/**
 * Start `service.command` with `env` (already remapped), cwd = the repository root, which has the
 * same layout as the images' /app. `node` resolves to the running Node binary.
 */
export function startServiceProcess(
  name: string,
  service: ComposeService,
  env: Record<string, string>,
): ServiceProcess {
  const [cmd, ...args] = service.command ?? [];
  if (cmd !== 'node') throw new Error(`${name}: expected a node command, got ${cmd}`);
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    name,
    child,
    output: () => out,
    exited,
    async stop(ms = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/**
 * Wait until the URL a compose healthcheck (`CMD node -e "fetch(...)"`) probes answers 2xx, with
 * its port remapped, then run that healthcheck command itself once and require exit 0. Polling
 * happens in-process: on a loaded machine starting `node` per probe is too slow to poll with.
 * Rejects after `timeoutMs`, or as soon as the service process has exited.
 */
export async function waitHealthy(
  proc: ServiceProcess,
  healthcheck: string[] | undefined,
  remapPort: [from: number, to: number],
  timeoutMs = 90_000,
): Promise<void> {
  const [kind, cmd, ...args] = healthcheck ?? [];
  if (kind !== 'CMD' || cmd !== 'node')
    throw new Error(`${proc.name}: unsupported healthcheck ${healthcheck}`);
  const remapped = args.map((a) => a.replaceAll(`127.0.0.1:${remapPort[0]}/`, `127.0.0.1:${remapPort[1]}/`));
  const probe = /http:\/\/127\.0\.0\.1:\d+\/[\w/.-]*/.exec(remapped.join(' '))?.[0];
  if (!probe) throw new Error(`${proc.name}: no loopback URL in healthcheck ${healthcheck}`);
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void proc.exited.then(() => {
    exited = true;
  });
  for (;;) {
    if (exited) throw new Error(`${proc.name} exited before it was healthy:\n${proc.output()}`);
    if (Date.now() > deadline)
      throw new Error(`${proc.name}: ${probe} not 2xx after ${timeoutMs} ms:\n${proc.output()}`);
    const ok = await fetch(probe, { signal: AbortSignal.timeout(5_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const code = await new Promise<number | string>((resolve) =>
    execFile(process.execPath, remapped, { timeout: 60_000 }, (err) =>
      resolve(err ? ((err as { code?: number | string }).code ?? 'failed') : 0),
    ),
  );
  if (code !== 0) throw new Error(`${proc.name}: healthcheck command exited ${code}`);
}

/** Run a one-shot service to completion (bounded). */
export async function runToCompletion(
  name: string,
  service: ComposeService,
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<{ code: number | null; output: string }> {
  const proc = startServiceProcess(name, service, env);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), timeoutMs);
  const code = await proc.exited;
  clearTimeout(timer);
  return { code, output: proc.output() };
}
