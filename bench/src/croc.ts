/**
 * What a user would pick instead: croc v10.7.0 sending a file through its own relay on loopback,
 * next to Hypersend's encrypted transfer of the SAME file in the same run (rounds alternate).
 * Both are timed end to end as a user waits: croc from starting `croc send` (it hashes the file
 * first) to the receiving `croc` exiting with the file written; Hypersend from `send` (offer
 * creation, which hashes the file too) to the receiver's DONE (fsynced, digest checked). The
 * received croc file is compared with the source, so a "fast" broken run cannot count.
 *
 *   node --import tsx bench/src/croc.ts [--tiny] [--mb=256] [--rounds=1]
 *
 * croc is built by scripts/setup.d/45-croc.sh into .cache/bin/croc (or set CROC_BIN). It runs with
 * its defaults (compression on, xxhash) except: `--no-local` (use the relay we started, not the
 * sender's own), `--yes --overwrite` (no prompts), `--disable-clipboard`, HOME in a temp dir.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median } from './lib/bench-options.ts';
import { compared, emitResult } from './lib/bench-result.ts';
import { sizeLabel } from './lib/transfer-figures.ts';
import { encrypted, makeFile } from './transfer-throughput.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CROC = process.env.CROC_BIN ?? join(ROOT, '.cache/bin/croc');
const MiB = 1024 * 1024;

function options(argv = process.argv.slice(2)): { bytes: number; rounds: number; tiny: boolean } {
  const num = (name: string, fallback: number): number => {
    const hit = argv.find((a) => a.startsWith(`--${name}=`));
    const n = hit === undefined ? fallback : Number(hit.slice(name.length + 3));
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  const tiny = argv.includes('--tiny');
  return { tiny, bytes: num('mb', tiny ? 8 : 256) * MiB, rounds: num('rounds', 1) };
}

/** `n` ports free right now (held open together so they differ, then released). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((ok, fail) => {
          const s = createServer();
          s.once('error', fail);
          s.listen(0, '127.0.0.1', () => ok(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  return ports;
}

/** Resolve once something accepts TCP on `port`, at most `timeoutMs`. */
async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (performance.now() > until)
      throw new Error(`croc relay not listening on ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A croc process whose output tail is kept for error messages (its progress bars are long). */
function runCroc(
  args: string[],
  env: Record<string, string>,
  cwd: string,
): { child: ChildProcess; tail: () => string } {
  const child = spawn(CROC, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer): void => {
    out = (out + d.toString()).slice(-4096);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, tail: () => out.replace(/\r/g, '\n').split('\n').slice(-6).join('\n') };
}

function exited(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`croc did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** One croc transfer of `file` through the relay at `relay`; seconds from send start to receiver exit. */
async function crocOnce(
  file: string,
  work: string,
  relay: string,
  pass: string,
  bytes: number,
): Promise<number> {
  const home = join(work, 'croc-home');
  const rx = await mkdtemp(join(work, 'croc-rx-'));
  await mkdir(home, { recursive: true });
  // The code travels in CROC_SECRET: croc 10 refuses a code on the command line on Linux.
  const env = { HOME: home, CROC_SECRET: `hs-bench-${randomBytes(6).toString('hex')}` };
  const common = ['--relay', relay, '--pass', pass, '--yes', '--disable-clipboard'];
  const timeoutMs = 60_000 + (bytes / 2e6) * 1000;
  const t0 = performance.now();
  const sender = runCroc([...common, 'send', '--no-local', file], env, work);
  let receiver: ReturnType<typeof runCroc> | undefined;
  try {
    // The receiver may start at once: croc's relay pairs both ends by the code's room.
    receiver = runCroc([...common, '--overwrite'], env, rx);
    const code = await exited(receiver.child, timeoutMs);
    const seconds = (performance.now() - t0) / 1000;
    if (code !== 0)
      throw new Error(`croc receive exited ${code}:\n${receiver.tail()}\nsender:\n${sender.tail()}`);
    const got = join(rx, 'payload.bin');
    if (!existsSync(got)) throw new Error(`croc wrote no file:\n${receiver.tail()}`);
    if ((await sha256(got)) !== (await sha256(file))) throw new Error('croc delivered different bytes');
    const sent = await exited(sender.child, 30_000);
    if (sent !== 0) throw new Error(`croc send exited ${sent}:\n${sender.tail()}`);
    return seconds;
  } finally {
    sender.child.kill('SIGKILL');
    receiver?.child.kill('SIGKILL');
    await rm(rx, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const o = options();
  if (!existsSync(CROC))
    throw new Error(`croc not found at ${CROC}: run scripts/setup.d/45-croc.sh (or set CROC_BIN)`);
  const work = await mkdtemp(join(tmpdir(), 'hs-bench-croc-'));
  const ports = await freePorts(5);
  const pass = randomBytes(12).toString('hex');
  const relay = runCroc(
    ['--pass', pass, 'relay', '--host', '127.0.0.1', '--ports', ports.join(',')],
    {},
    work,
  );
  try {
    await waitForPort(ports[0] as number, 15_000);
    const file = join(work, 'payload.bin');
    await makeFile(file, o.bytes, false);
    const size = sizeLabel(o.bytes);
    console.log(`croc v10.7.0 vs Hypersend, same ${size} random file, loopback, ${o.rounds} round(s) each`);
    const croc: number[] = [];
    const hs: number[] = [];
    for (let i = 0; i < o.rounds; i++) {
      const c = o.bytes / 1e6 / (await crocOnce(file, work, `127.0.0.1:${ports[0]}`, pass, o.bytes));
      console.log(`  round ${i + 1} croc:      ${c.toFixed(1)} MB/s (send → received, through its relay)`);
      croc.push(c);
      const e = await encrypted(file, work, o.bytes, {});
      const h = o.bytes / 1e6 / (e.completeMs / 1000);
      console.log(
        `  round ${i + 1} hypersend: ${h.toFixed(1)} MB/s (send → DONE; ${e.mbps.toFixed(1)} MB/s once flowing)`,
      );
      hs.push(h);
    }
    const cm = median(croc);
    const hm = median(hs);
    console.log(`croc median:      ${cm.toFixed(1)} MB/s`);
    console.log(`hypersend median: ${hm.toFixed(1)} MB/s`);
    console.log(`ratio:            ${((hm / cm) * 100).toFixed(1)} %`);
    emitResult({
      bench: 'croc',
      tiny: o.tiny,
      figures: [
        compared(`croc.hypersend_vs_croc`, `Hypersend send → received, ${size} (end to end)`, hm, 'MB/s', {
          label: 'croc v10.7.0 via its own relay on loopback',
          value: cm,
        }),
      ],
      details: { bytes: o.bytes, crocMbps: croc, hypersendMbps: hs },
    });
  } finally {
    relay.child.kill('SIGKILL');
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
