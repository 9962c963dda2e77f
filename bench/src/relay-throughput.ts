/**
 * Relay throughput: upload and download N MB through a relay child process (tus PATCH in one
 * streamed request, then a GET), against a plain local disk copy of the same size in the same
 * run, with the relay process's peak RSS (VmHWM) to show memory does not grow with object size.
 *
 *   node --import tsx bench/src/relay-throughput.ts [--tiny] [--mb=512]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { startTestServer } from '../../test/src/helpers/server.ts';
import { registerUser } from '../../test/src/helpers/users.ts';
import { compared, emitResult } from './lib/bench-result.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MB = 1024 * 1024;

function parseArgs(argv: string[]): { mb: number } {
  if (argv.includes('--tiny')) return { mb: 8 };
  const arg = argv.find((a) => a.startsWith('--mb='));
  const mb = arg ? Number(arg.slice(5)) : 512;
  if (!Number.isInteger(mb) || mb < 1) throw new Error('--mb expects a positive integer');
  return { mb };
}

/** `mb` MiB of data: one random MiB repeated (the relay never looks at the bytes). */
function source(mb: number): Readable {
  const block = randomBytes(MB);
  let left = mb;
  return new Readable({
    read() {
      this.push(left-- > 0 ? block : null);
    },
  });
}

async function startRelay(
  dataDir: string,
  signalingUrl: string,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'relay/src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      RELAY_PORT: '0',
      RELAY_DATA_DIR: dataDir,
      RELAY_JWKS_URL: `${signalingUrl}/v1/jwks.json`,
      RELAY_JWT_ISSUER: signalingUrl,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((ok, fail) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) ok(m[1]);
    });
    child.once('exit', (code) => fail(new Error(`relay exited with ${code}`)));
  });
  return { child, url };
}

/** Peak resident set of a process, MiB (Linux). */
async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

function patch(url: string, token: string, size: number, body: Readable): Promise<number> {
  return new Promise((ok, fail) => {
    const req = request(url, {
      method: 'PATCH',
      headers: {
        'tus-resumable': '1.0.0',
        authorization: `Bearer ${token}`,
        'upload-offset': '0',
        'content-type': 'application/offset+octet-stream',
        'content-length': String(size),
      },
    });
    req.on('response', (res) => {
      res.resume();
      ok(res.statusCode ?? 0);
    });
    req.on('error', fail);
    pipeline(body, req).catch(fail);
  });
}

async function main(): Promise<void> {
  const { mb } = parseArgs(process.argv.slice(2));
  const size = mb * MB;
  const work = await mkdtemp(join(tmpdir(), 'hypersend-relay-bench-'));
  const signaling = await startTestServer();
  const relay = await startRelay(join(work, 'relay'), signaling.url);
  try {
    const [alice, bob] = await Promise.all([registerUser(signaling), registerUser(signaling)]);
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const created = await fetch(`${relay.url}/v1/uploads`, {
      method: 'POST',
      headers: {
        'tus-resumable': '1.0.0',
        authorization: `Bearer ${alice.accessToken}`,
        'upload-length': String(size),
        'upload-metadata': `recipient ${b64(bob.userId)},transferId ${b64('bench')},firstChunk ${b64('0')}`,
      },
    });
    if (created.status !== 201) throw new Error(`create: ${created.status} ${await created.text()}`);
    const uploadUrl = new URL(created.headers.get('location') ?? '', relay.url).toString();
    const id = uploadUrl.slice(uploadUrl.lastIndexOf('/') + 1);

    let t = performance.now();
    const status = await patch(uploadUrl, alice.accessToken, size, source(mb));
    const uploadS = (performance.now() - t) / 1000;
    if (status !== 204) throw new Error(`upload: ${status}`);

    t = performance.now();
    const got = await fetch(`${relay.url}/v1/objects/${id}`, {
      headers: { authorization: `Bearer ${bob.accessToken}` },
    });
    let received = 0;
    const reader = got.body?.getReader();
    for (let r = await reader?.read(); r && !r.done; r = await reader?.read()) received += r.value.length;
    const downloadS = (performance.now() - t) / 1000;
    if (received !== size) throw new Error(`download: ${received} of ${size} bytes`);
    const rss = await peakRssMb(relay.child.pid ?? 0);

    // Baseline: the same bytes written to disk, then copied file to file with a final fsync,
    // which is what the relay does on upload (receive, write, fsync).
    const src = join(work, 'copy-src');
    const dst = join(work, 'copy-dst');
    await pipeline(source(mb), createWriteStream(src));
    t = performance.now();
    await pipeline(createReadStream(src), createWriteStream(dst));
    const fh = await open(dst, 'r+');
    await fh.sync();
    await fh.close();
    const copyS = (performance.now() - t) / 1000;

    const rate = (s: number) => (mb / s).toFixed(1);
    console.log(`relay-throughput: ${mb} MiB`);
    console.log(`upload:    ${rate(uploadS)} MB/s (${uploadS.toFixed(2)} s, tus PATCH + fsync)`);
    console.log(`download:  ${rate(downloadS)} MB/s (${downloadS.toFixed(2)} s)`);
    console.log(`disk copy: ${rate(copyS)} MB/s (${copyS.toFixed(2)} s, same size, fsync)`);
    console.log(`relay peak RSS: ${rss.toFixed(0)} MiB`);
    const copy = { label: 'plain local disk copy (same size, fsync)', value: mb / copyS };
    emitResult({
      bench: 'relay-throughput',
      tiny: mb < 64,
      figures: [
        compared('relay.upload', `Relay upload (tus PATCH + fsync), ${mb} MiB`, mb / uploadS, 'MiB/s', copy),
        compared('relay.download', `Relay download (GET), ${mb} MiB`, mb / downloadS, 'MiB/s', copy),
        { id: 'relay.peak_rss', label: `Relay process peak RSS, ${mb} MiB object`, value: rss, unit: 'MiB' },
      ],
    });
  } finally {
    relay.child.kill('SIGTERM');
    await signaling.close();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
