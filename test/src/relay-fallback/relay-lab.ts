// One lab for the store-and-forward suites: signaling (port 0) advertising a relay at a fixed
// front address, the relay as a real child process behind it (so it can be SIGKILLed and restarted
// on the same data directory), an HTTP-level front that records every request's Range and can cut
// a download short, and two befriended CLI peers.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { befriendViaCli, killAll, Peer, ROOT } from '../cli/cli-harness.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { randomUsername } from '../helpers/users.ts';

/** A request the front forwarded. */
export interface SeenRequest {
  method: string;
  path: string;
  range: string | undefined;
  /** tus `Upload-Offset` the client sent (PATCH). */
  uploadOffset?: number | undefined;
  /** tus `Upload-Offset` the relay answered (HEAD, PATCH), once the answer came. */
  answeredOffset?: number | undefined;
  /** The request's `Origin` (browser clients). */
  origin?: string | undefined;
}

/**
 * HTTP front of the relay: a fixed URL (signaling advertises it before the relay exists), a
 * switchable backend port, a log of requests, and `cutNextDownload(n)`: the next object GET is
 * cut after `n` body bytes, like a dropped connection.
 */
export class RelayFront {
  readonly seen: SeenRequest[] = [];
  #backend: number | undefined;
  #cutAfter: number | undefined;
  #cutUploadAfter: number | undefined;
  #hold: { afterBytes: number; held: () => void; cut: Promise<void> } | undefined;
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<RelayFront> {
    let front: RelayFront | undefined;
    const server = createServer((req, res) => front?.handle(req, res));
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    front = new RelayFront(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return front;
  }

  target(port: number | undefined): void {
    this.#backend = port;
  }

  cutNextDownload(afterBytes: number): void {
    this.#cutAfter = afterBytes;
  }

  /**
   * The next object download stalls after `afterBytes` of its body (`held` resolves then) until
   * `cut()` drops its connection, like a slow link that then breaks: the client's retry comes later.
   */
  holdNextDownload(afterBytes: number): { held: Promise<void>; cut(): void } {
    let held!: () => void;
    let cut!: () => void;
    const heldP = new Promise<void>((ok) => {
      held = ok;
    });
    this.#hold = { afterBytes, held, cut: new Promise<void>((ok) => (cut = ok)) };
    return { held: heldP, cut };
  }

  /** The next tus PATCH is cut after `afterBytes` of its body reached the relay, like a lost connection. */
  cutNextUpload(afterBytes: number): void {
    this.#cutUploadAfter = afterBytes;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/';
    const offsetHeader = req.headers['upload-offset'];
    const seen: SeenRequest = {
      method: req.method ?? '',
      path,
      range: req.headers.range,
      uploadOffset: typeof offsetHeader === 'string' ? Number(offsetHeader) : undefined,
      origin: req.headers.origin,
    };
    this.seen.push(seen);
    if (req.method === 'PATCH' && this.#cutUploadAfter !== undefined) {
      const cutUpload = this.#cutUploadAfter;
      this.#cutUploadAfter = undefined;
      this.forwardCutUpload(req, res, path, cutUpload);
      return;
    }
    if (this.#backend === undefined) {
      res.socket?.destroy(); // like a relay that is down
      return;
    }
    // Only the open-ended ranged read of the chunks, not the small reads of the header.
    const isDownload =
      req.method === 'GET' &&
      /^\/v1\/objects\/[^/]+$/u.test(path) &&
      /^bytes=\d+-$/u.test(req.headers.range ?? '');
    const cut = isDownload ? this.#cutAfter : undefined;
    if (cut !== undefined) this.#cutAfter = undefined;
    const hold = isDownload ? this.#hold : undefined;
    if (hold !== undefined) this.#hold = undefined;
    let holding = false;
    const up = request(
      { host: '127.0.0.1', port: this.#backend, method: req.method, path, headers: req.headers },
      (upRes) => {
        const answered = upRes.headers['upload-offset'];
        if (typeof answered === 'string') seen.answeredOffset = Number(answered);
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        let sent = 0;
        upRes.on('data', (d: Buffer) => {
          if (holding) return;
          if (hold !== undefined && sent + d.length > hold.afterBytes) {
            holding = true;
            res.write(d.subarray(0, hold.afterBytes - sent));
            upRes.pause();
            hold.held();
            void hold.cut.then(() => {
              res.socket?.destroy();
              upRes.destroy();
            });
            return;
          }
          if (cut !== undefined && sent + d.length > cut) {
            res.write(d.subarray(0, cut - sent));
            res.socket?.destroy();
            upRes.destroy();
            return;
          }
          sent += d.length;
          res.write(d);
        });
        upRes.on('end', () => res.end());
        upRes.on('error', () => res.socket?.destroy());
      },
    );
    up.on('error', () => res.socket?.destroy());
    req.on('error', () => up.destroy());
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  }

  /** Forward `afterBytes` of a PATCH body, then drop both connections mid-request. */
  private forwardCutUpload(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    afterBytes: number,
  ): void {
    if (this.#backend === undefined) {
      res.socket?.destroy();
      return;
    }
    const up = request({
      host: '127.0.0.1',
      port: this.#backend,
      method: req.method,
      path,
      headers: req.headers,
    });
    up.on('response', (r) => r.resume());
    up.on('error', () => undefined);
    let sent = 0;
    const cut = () => {
      req.off('data', onData);
      // Give the relay a moment to write what it got, as after a real network loss.
      setTimeout(() => {
        up.destroy();
        res.socket?.destroy();
      }, 200);
    };
    const onData = (d: Buffer) => {
      const room = afterBytes - sent;
      if (d.length >= room) {
        up.write(d.subarray(0, room));
        sent = afterBytes;
        cut();
        return;
      }
      up.write(d);
      sent += d.length;
    };
    req.on('data', onData);
    req.on('error', () => up.destroy());
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((ok) => this.server.close(() => ok()));
  }
}

/** The relay as a child process on port 0 with a given data directory. */
export interface RelayProcess {
  child: ChildProcess;
  port: number;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
}

/** Start `relay/src/main.ts` and wait for its "listening on" line. */
export async function startRelayProcess(
  signalingUrl: string,
  dataDir: string,
  extraEnv: Record<string, string> = {},
): Promise<RelayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'relay/src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      RELAY_HOST: '127.0.0.1',
      RELAY_PORT: '0',
      RELAY_DATA_DIR: dataDir,
      RELAY_JWKS_URL: `${signalingUrl}/v1/jwks.json`,
      RELAY_JWT_ISSUER: signalingUrl,
      LOG_LEVEL: 'warn',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`relay did not start: ${out}`)), 20_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on http:\/\/[^:]+:(\d+)/u.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        ok(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`relay exited with ${code}: ${out}`));
    });
  });
  return {
    child,
    port,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((ok) => child.once('exit', ok));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Everything a relay-fallback suite runs against. */
export interface RelayLab {
  signaling: TestServer;
  front: RelayFront;
  relay: RelayProcess;
  relayDataDir: string;
  alice: Peer;
  bob: Peer;
  /** Kill the relay and start a new one on the same data directory behind the same front. */
  restartRelay(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Start the lab: front, signaling advertising the front as its relay, relay process, two
 * befriended CLI peers with registered devices. With `mongo`, signaling and the relay keep their
 * metadata in that MongoDB database instead of SQLite.
 */
export async function startRelayLab(o: { mongo?: { uri: string; db: string } } = {}): Promise<RelayLab> {
  const front = await RelayFront.start();
  const mongoEnv = o.mongo ? { MONGODB_URI: o.mongo.uri, MONGODB_DB: o.mongo.db } : {};
  const signaling = await startTestServer({ HYPERSEND_RELAY_URL: front.url, ...mongoEnv });
  const relayDataDir = await mkdtemp(join(tmpdir(), 'hs-relay-lab-'));
  let relay = await startRelayProcess(signaling.url, relayDataDir, mongoEnv);
  front.target(relay.port);
  const alice = await Peer.create(signaling.url, randomUsername('alice'));
  const bob = await Peer.create(signaling.url, randomUsername('bob'));
  await befriendViaCli(alice, bob);
  const lab: RelayLab = {
    signaling,
    front,
    get relay() {
      return relay;
    },
    relayDataDir,
    alice,
    bob,
    async restartRelay() {
      front.target(undefined);
      await relay.kill();
      relay = await startRelayProcess(signaling.url, relayDataDir, mongoEnv);
      front.target(relay.port);
    },
    async close() {
      killAll();
      await relay.kill();
      await front.close();
      await alice.cleanup();
      await bob.cleanup();
      await signaling.close();
      await rm(relayDataDir, { recursive: true, force: true });
    },
  };
  return lab;
}

/** Every file under `dir` (recursively) whose bytes contain any of `needles`: the plaintext scan. */
export async function filesContaining(dir: string, needles: readonly Buffer[]): Promise<string[]> {
  const hits: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const name of await readdir(d)) {
      const p = join(d, name);
      const s = await stat(p);
      if (s.isDirectory()) await walk(p);
      else if (s.isFile()) {
        const bytes = await readFile(p);
        if (needles.some((n) => bytes.includes(n))) hits.push(p);
      }
    }
  };
  await walk(dir);
  return hits;
}

/** JSON events a `--json` CLI run printed so far. */
export function jsonEvents(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Wait (bounded) until a `--json` CLI run reported at least `min` bytes of progress. */
export async function progressAtLeast(
  stdout: () => string,
  min: number,
  timeoutMs = 30_000,
): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const seen = jsonEvents(stdout())
      .filter((e) => e.event === 'progress' && typeof e.bytes === 'number')
      .map((e) => e.bytes as number);
    const best = Math.max(0, ...seen);
    if (best >= min) return best;
    if (Date.now() > until) throw new Error(`progress stayed at ${best} < ${min}:\n${stdout()}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}
