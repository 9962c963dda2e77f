/**
 * Encrypted Hypersend transfer (TransferSender → TransferReceiver over PeerSession, two
 * processes, a real file on disk at both ends) against the raw @roamhq/wrtc data channel measured
 * in the SAME run (rounds alternate raw / encrypted so machine noise hits both). Prints MB/s
 * (10^6 B/s), the ratio, send → first CHUNK on the wire (median over small transfers: offer
 * building, key seal, accept, WebRTC set-up, handshake) and the peak RSS (VmHWM) of both ends.
 *
 *   node --import tsx bench/src/transfer-throughput.ts [--tiny] [--size=512M|4G] [--rounds=1]
 *        [--latency-rounds=5] [--sparse] [--ack=2M] [--window=32M] [--chunk=255K] [--raw-message=256K]
 *        [--cpu-prof=DIR]
 *
 * `--size` accepts K/M/G suffixes (binary). The source file is generated in a temp dir (random
 * 1 MiB blocks, or a sparse file with `--sparse`, which is how 4 GB stays quick to make); the
 * receiver writes every byte for real. Throughput is measured from the sender's first CHUNK to
 * the receiver's DONE (final fsync, digest check and rename included).
 *
 * `--chunk` is the sender's chunk size (default 255 KiB: the most a 256 KiB data-channel message
 * carries, which is what the SDK negotiates between two libwebrtc ends; `--chunk=64K` is the
 * protocol's floor, used with a peer that advertises nothing); `--raw-message` the raw
 * reference's message size (default 256 KiB, the same message size); `--cpu-prof=DIR` runs both encrypted ends
 * under `node --cpu-prof` (profiles are written when they exit).
 *
 * Each encrypted round also prints the CPU seconds per GiB both ends spent during the transfer
 * (accept → DONE), by thread: `main` (JS: crypto, hashing, framing), `webrtc` (libwebrtc's
 * threads: SCTP, sockets) and `other` (V8 GC helpers, libuv file I/O). On a shared 2-core machine
 * throughput follows CPU per byte, so these say where an encrypted byte costs more than a raw one
 * regardless of how busy the machine was.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readdir, readFile, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
// bench has no package dependency on the SDK; a relative import keeps it that way.
import { TransferPair } from '../../client-sdk/src/transfer/fixtures/transfer-pair.ts';
import { median, roundTimeoutMs } from './lib/bench-options.ts';
import { emitResult } from './lib/bench-result.ts';
import { runPair } from './lib/pair-harness.ts';
import { transferResult } from './lib/transfer-figures.ts';
import { describe, RAW_CHILD } from './raw-datachannel.ts';

const MiB = 1024 * 1024;

/** Knobs of one run (exported for `small-file-latency.ts` and `croc.ts`, which reuse `encrypted`). */
export interface Options {
  bytes: number;
  rounds: number;
  latencyRounds: number;
  sparse: boolean;
  tiny: boolean;
  /** Receiver ACK interval and sender window, passed to the engine (defaults: the engine's). */
  ackBytes: number | undefined;
  windowBytes: number | undefined;
  /** Plaintext bytes per chunk (sender `chunkSize`). */
  chunkBytes: number;
  /** Raw reference message size. */
  rawMessageBytes: number;
  /** Run both encrypted ends under `node --cpu-prof` into this folder. */
  cpuProfDir: string | undefined;
}

function parseSize(v: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMG]?)$/iu.exec(v.trim());
  if (!m) throw new Error(`bad size ${v}`);
  const unit = { '': 1, K: 1024, M: MiB, G: 1024 * MiB }[(m[2] ?? '').toUpperCase()] ?? 1;
  return Math.round(Number(m[1]) * unit);
}

function options(argv = process.argv.slice(2)): Options {
  const get = (name: string): string | undefined => {
    const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    if (i < 0) return undefined;
    const a = argv[i] as string;
    return a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[i + 1];
  };
  const tiny = argv.includes('--tiny');
  return {
    tiny,
    bytes: parseSize(get('size') ?? (tiny ? '8M' : '512M')),
    rounds: Number(get('rounds') ?? 1),
    latencyRounds: Number(get('latency-rounds') ?? (tiny ? 2 : 5)),
    sparse: argv.includes('--sparse'),
    ackBytes: get('ack') === undefined ? undefined : parseSize(get('ack') as string),
    windowBytes: get('window') === undefined ? undefined : parseSize(get('window') as string),
    // What two libwebrtc ends negotiate (both advertise a 256 KiB max-message-size; proved by
    // test/src/cli/chunk-size.test.ts), and the raw reference at the same message size.
    chunkBytes: parseSize(get('chunk') ?? '255K'),
    rawMessageBytes: parseSize(get('raw-message') ?? '256K'),
    cpuProfDir: get('cpu-prof'),
  };
}

/** Create the payload file: random 1 MiB blocks, or sparse. */
export async function makeFile(path: string, bytes: number, sparse: boolean): Promise<void> {
  if (sparse) {
    await (await open(path, 'w')).close();
    await truncate(path, bytes);
    return;
  }
  const fh = await open(path, 'w');
  const block = randomBytes(MiB);
  for (let done = 0; done < bytes; done += MiB) await fh.write(block, 0, Math.min(MiB, bytes - done));
  await fh.close();
}

/** Peak RSS (VmHWM) of a live process, in bytes; polled because it is gone once the child exits. */
async function vmHwm(pid: number | undefined): Promise<number> {
  if (pid === undefined) return 0;
  try {
    const m = /VmHWM:\s+(\d+) kB/u.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU seconds of one process's threads, by kind (see the header). */
type ThreadCpu = Record<'main' | 'webrtc' | 'other', number>;

/** Cumulative CPU (user + system) of `pid`'s threads now; zeros once it is gone. */
async function threadCpu(pid: number | undefined): Promise<ThreadCpu> {
  const out: ThreadCpu = { main: 0, webrtc: 0, other: 0 };
  if (pid === undefined) return out;
  const tids = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  for (const tid of tids) {
    try {
      const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // Fields after "(comm) ": state is [0], utime [11], stime [12], in clock ticks (100/s on Linux).
      const f = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const kind = tid === String(pid) ? 'main' : comm.startsWith('PeerConnection') ? 'webrtc' : 'other';
      out[kind] += (Number(f[11]) + Number(f[12])) / 100;
    } catch {
      // the thread ended between readdir and read
    }
  }
  return out;
}

/** CPU seconds per GiB spent between two samples of one process, moving `bytes`. */
function cpuPerGiB(before: ThreadCpu, after: ThreadCpu, bytes: number): ThreadCpu {
  const gib = bytes / (1024 * MiB);
  const per = (k: keyof ThreadCpu): number => (after[k] - before[k]) / gib;
  return { main: per('main'), webrtc: per('webrtc'), other: per('other') };
}

export interface EncryptedRun {
  mbps: number;
  /** CPU seconds per GiB during the transfer, sender and receiver (see the header). */
  cpuPerGiB: { sender: ThreadCpu; receiver: ThreadCpu };
  firstByteMs: number;
  /** `send` (offer creation) to the receiver's DONE: what a user waits for a small file. */
  completeMs: number;
  senderPeak: number;
  receiverPeak: number;
}

/** One encrypted transfer of `file` between two fresh processes. */
export async function encrypted(
  file: string,
  work: string,
  bytes: number,
  o: Partial<Options>,
): Promise<EncryptedRun> {
  const pair = new TransferPair();
  const dir = await mkdtemp(join(work, 'rx-'));
  const peaks = { tx: 0, rx: 0 };
  let poll: ReturnType<typeof setInterval> | undefined;
  try {
    const prof = o.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`] : [];
    const tx = pair.spawn(
      {
        role: 'sender',
        path: file,
        waitStart: true,
        ...(o.windowBytes ? { windowBytes: o.windowBytes } : {}),
        ...(o.chunkBytes ? { chunkSize: o.chunkBytes } : {}),
      },
      prof,
    );
    const rx = pair.spawn({ role: 'receiver', dir, ...(o.ackBytes ? { ackBytes: o.ackBytes } : {}) }, prof);
    poll = setInterval(() => {
      void vmHwm(tx.child.pid).then((v) => (peaks.tx = Math.max(peaks.tx, v)));
      void vmHwm(rx.child.pid).then((v) => (peaks.rx = Math.max(peaks.rx, v)));
    }, 200);
    const timeout = roundTimeoutMs(bytes) + 60_000;
    await Promise.all([tx.waitFor('ready', 30_000), rx.waitFor('ready', 30_000)]);
    tx.send({ t: 'start' });
    const offer = await tx.waitFor('offer', timeout);
    rx.send({ t: 'offer', envelope: offer.envelope });
    await rx.waitFor('accepted', 30_000);
    const cpuBefore = await Promise.all([threadCpu(tx.child.pid), threadCpu(rx.child.pid)]);
    pair.connect(1);
    const [sent, got] = await Promise.all([tx.waitFor('done', timeout), rx.waitFor('done', timeout)]);
    const cpuAfter = await Promise.all([threadCpu(tx.child.pid), threadCpu(rx.child.pid)]);
    const first = sent.firstChunkAt ?? Number.NaN;
    peaks.tx = Math.max(peaks.tx, await vmHwm(tx.child.pid));
    peaks.rx = Math.max(peaks.rx, await vmHwm(rx.child.pid));
    return {
      mbps: bytes / 1e6 / ((got.at - first) / 1000),
      cpuPerGiB: {
        sender: cpuPerGiB(cpuBefore[0], cpuAfter[0], bytes),
        receiver: cpuPerGiB(cpuBefore[1], cpuAfter[1], bytes),
      },
      firstByteMs: first - offer.createAt,
      completeMs: got.at - offer.createAt,
      senderPeak: peaks.tx,
      receiverPeak: peaks.rx,
    };
  } finally {
    clearInterval(poll);
    // --cpu-prof writes its profile at a clean exit: the fixtures exit on IPC disconnect.
    if (o.cpuProfDir) await Promise.all(pair.all.map((p) => exitQuietly(p.child)));
    pair.killAll();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Disconnect a fixture (it exits 0 on that) and wait up to 10 s for it to be gone. */
function exitQuietly(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    if (child.connected) child.disconnect();
  });
}

const mb = (n: number): string => `${(n / 1e6).toFixed(0)} MB`;

async function main(): Promise<void> {
  const o = options();
  const work = await mkdtemp(join(tmpdir(), 'hs-bench-'));
  try {
    const file = join(work, 'payload.bin');
    await makeFile(file, o.bytes, o.sparse);
    console.log(
      `transfer vs raw, 2 processes: ${mb(o.bytes)}${o.sparse ? ' (sparse source)' : ''}, ${o.chunkBytes / 1024} KiB chunks, raw ${o.rawMessageBytes / 1024} KiB messages, ` +
        `${o.rounds} round(s) each, ${o.latencyRounds} latency round(s)`,
    );
    const raw: number[] = [];
    const enc: number[] = [];
    const peaks = { tx: 0, rx: 0 };
    const raws = {
      bytes: o.bytes,
      messageBytes: o.rawMessageBytes,
      highWatermark: 4 * MiB,
      lowWatermark: MiB,
      pollMs: 5,
    };
    for (let i = 0; i < o.rounds; i++) {
      const r = await runPair(RAW_CHILD, { ...raws, timeoutMs: roundTimeoutMs(o.bytes) });
      console.log(describe(`  round ${i + 1} raw      `, r));
      raw.push(r.mbps);
      const e = await encrypted(file, work, o.bytes, o);
      console.log(
        `  round ${i + 1} encrypted: ${e.mbps.toFixed(1)} MB/s  peak RSS sender ${mb(e.senderPeak)} receiver ${mb(e.receiverPeak)}`,
      );
      const cpu = (c: ThreadCpu): string =>
        `main ${c.main.toFixed(1)} webrtc ${c.webrtc.toFixed(1)} other ${c.other.toFixed(1)}`;
      console.log(
        `    CPU s/GiB during the transfer: sender ${cpu(e.cpuPerGiB.sender)} | receiver ${cpu(e.cpuPerGiB.receiver)}`,
      );
      enc.push(e.mbps);
      peaks.tx = Math.max(peaks.tx, e.senderPeak);
      peaks.rx = Math.max(peaks.rx, e.receiverPeak);
    }
    const small = join(work, 'small.bin');
    await makeFile(small, 64 * 1024, false);
    const latency: number[] = [];
    for (let i = 0; i < o.latencyRounds; i++)
      latency.push((await encrypted(small, work, 64 * 1024, o)).firstByteMs);
    const rawMedian = median(raw);
    const encMedian = median(enc);
    console.log(`raw median:       ${rawMedian.toFixed(1)} MB/s`);
    console.log(`encrypted median: ${encMedian.toFixed(1)} MB/s`);
    console.log(`ratio:            ${((encMedian / rawMedian) * 100).toFixed(1)} %`);
    console.log(
      `send → first byte median: ${median(latency).toFixed(0)} ms (${latency.map((l) => l.toFixed(0)).join(', ')})`,
    );
    console.log(`peak RSS: sender ${mb(peaks.tx)}, receiver ${mb(peaks.rx)}`);
    // Machine-readable line for bench/src/all.ts.
    emitResult(
      transferResult({
        bytes: o.bytes,
        sparse: o.sparse,
        tiny: o.tiny,
        rawMbps: rawMedian,
        encryptedMbps: encMedian,
        firstByteMs: median(latency),
        senderPeakBytes: peaks.tx,
        receiverPeakBytes: peaks.rx,
      }),
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
