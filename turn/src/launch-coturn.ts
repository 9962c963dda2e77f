import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CoturnConfigOptions, renderCoturnConfig } from './render-config.ts';
import { TurnClient } from './turn-client.ts';

/** Options of {@link startCoturn}: the rendered config's, minus what the launcher decides itself. */
export interface StartCoturnOptions
  extends Omit<
    CoturnConfigOptions,
    | 'realm'
    | 'listeningIps'
    | 'listeningPort'
    | 'logFile'
    | 'pidFile'
    | 'userDbFile'
    | 'tls'
    | 'minPort'
    | 'maxPort'
  > {
  /** Default: a random `*.hypersend.invalid` realm, unique per instance. */
  realm?: string;
  /** Default `test`: loopback peers allowed. Pass `production` to run the template as shipped. */
  profile?: 'production' | 'test';
  /** Default `['127.0.0.1', '::1']` so IPv4 and IPv6 allocations both work. */
  relayIps?: readonly string[];
  /** Give up when coturn is not answering after this long. Default 15 s. */
  startTimeoutMs?: number;
  /** coturn binary. Default `turnserver` (Debian's coturn). */
  binary?: string;
  /**
   * Edit the rendered file before coturn reads it. For tests that show what a template line is
   * for (e.g. coturn 4.6.1 without the CVE-2026-27624 lines); never for deployments.
   */
  transformConfig?: (config: string) => string;
}

/** A running coturn. */
export interface CoturnInstance {
  /** `turn:127.0.0.1:PORT` */
  url: string;
  port: number;
  realm: string;
  /** The rendered configuration file and coturn's log, for debugging a failed test. */
  configPath: string;
  logPath: string;
  /** Read coturn's log so far. */
  readLog(): Promise<string>;
  /** Stop coturn (SIGTERM, then SIGKILL after 3 s) and delete its temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** coturn exited or never answered. The log tail is in the message. */
export class CoturnStartError extends Error {
  readonly code = 'coturn_start';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CoturnStartError';
  }
}

const ATTEMPTS = 5;
// Ports this process handed out: coturn sets SO_REUSEPORT on its listeners, so a second coturn on
// the same port starts without complaint and silently shares the traffic. Never reuse our own.
const claimed = new Set<number>();

/**
 * Render the configuration into a temp dir and start Debian's coturn on 127.0.0.1 for development
 * and tests. Port 0 does not exist in coturn, so a free UDP+TCP port is found here, and the start is
 * retried on a collision (detected by coturn answering with someone else's realm).
 *
 * @example
 * const turn = await startCoturn({ secrets: [secret] });
 * const creds = mintTurnCredentials({ secret, user: 'alice', ttlSeconds: 600, uris: [turn.url] });
 * await turn.stop();
 */
export async function startCoturn(options: StartCoturnOptions): Promise<CoturnInstance> {
  let lastError: unknown;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      lastError = err;
      if (!(err instanceof PortCollision)) throw err;
    }
  }
  throw new CoturnStartError(`no free port after ${ATTEMPTS} attempts`, { cause: lastError });
}

class PortCollision extends Error {}

async function startOnce(options: StartCoturnOptions): Promise<CoturnInstance> {
  const realm = options.realm ?? `t${randomBytes(6).toString('hex')}.hypersend.invalid`;
  const port = await findFreePort();
  // Relay ports below Linux's ephemeral range (32768+), a random block so parallel instances
  // rarely overlap; coturn skips relay ports it cannot bind anyway.
  const minPort = 20000 + randomInt(0, 120) * 100;
  const dir = await mkdtemp(join(tmpdir(), 'hypersend-coturn-'));
  const configPath = join(dir, 'turnserver.conf');
  const logPath = join(dir, 'turnserver.log');
  const { startTimeoutMs = 15_000, binary = 'turnserver', transformConfig, ...rest } = options;
  try {
    const config = renderCoturnConfig({
      ...rest,
      realm,
      profile: options.profile ?? 'test',
      relayIps: options.relayIps ?? ['127.0.0.1', '::1'],
      listeningIps: ['127.0.0.1'],
      listeningPort: port,
      minPort,
      maxPort: minPort + 99,
      logFile: logPath,
      pidFile: join(dir, 'turnserver.pid'),
      userDbFile: join(dir, 'turndb'),
    });
    await writeFile(configPath, transformConfig ? transformConfig(config) : config, { mode: 0o600 });
  } catch (err) {
    // A refused render must not leave an empty temp dir behind.
    await rm(dir, { recursive: true, force: true });
    claimed.delete(port);
    throw err;
  }

  const child = spawn(binary, ['-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 8192) stderr += chunk.toString('utf8');
  });
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(`exited (code ${code}, signal ${signal})`));
    child.once('error', (err) => resolve(`failed to spawn ${binary}: ${err.message}`));
  });
  // A test runner that dies must not leave coturn behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', killOnExit);
    await terminate(child, exited);
    claimed.delete(port);
    await rm(dir, { recursive: true, force: true });
  };
  const readLog = () => readFile(logPath, 'utf8').catch(() => '');

  try {
    await waitUntilAnswering({ port, realm, deadline: Date.now() + startTimeoutMs, exited });
  } catch (err) {
    const log = (await readLog()).split('\n').slice(-15).join('\n');
    await stop();
    if (err instanceof PortCollision) throw err;
    throw new CoturnStartError(`${(err as Error).message}\n${stderr}\n${log}`, { cause: err });
  }
  return { url: `turn:127.0.0.1:${port}`, port, realm, configPath, logPath, readLog, stop };
}

async function waitUntilAnswering(args: {
  port: number;
  realm: string;
  deadline: number;
  exited: Promise<string>;
}): Promise<void> {
  let exitReason: string | undefined;
  void args.exited.then((r) => {
    exitReason = r;
  });
  let confirmations = 0;
  while (Date.now() < args.deadline) {
    if (exitReason) throw new Error(`coturn ${exitReason}`);
    // An unauthenticated Allocate is answered 401 with coturn's realm: proof that *our* coturn
    // listens. Several probes from different source ports, because SO_REUSEPORT spreads flows
    // across every process sharing the port.
    const client = await TurnClient.open({ host: '127.0.0.1', port: args.port, timeoutMs: 300 });
    try {
      await client.allocate({ username: 'probe', password: 'probe' });
      const realm = client.realm;
      if (realm !== undefined && realm !== args.realm) throw new PortCollision(`port ${args.port} taken`);
      if (realm === args.realm && ++confirmations >= 3) return;
    } catch (err) {
      if (err instanceof PortCollision) throw err;
      await sleep(100); // not listening yet
    } finally {
      await client.close();
    }
  }
  throw new Error(`coturn did not answer on 127.0.0.1:${args.port} in time`);
}

async function findFreePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      const udp = createSocket('udp4');
      udp.once('error', reject);
      udp.bind(0, '127.0.0.1', () => {
        const p = udp.address().port;
        udp.close(() => resolve(p));
      });
    });
    if (claimed.has(port) || !(await tcpFree(port))) continue;
    claimed.add(port);
    return port;
  }
  throw new CoturnStartError('no free UDP+TCP port found');
}

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

async function terminate(child: ChildProcess, exited: Promise<string>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
