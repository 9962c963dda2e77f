import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/src/helpers/server.ts';
import { registerUser } from '../../test/src/helpers/users.ts';
import { createUpload, patchUpload, tusHeaders } from './test-support.ts';

// Kill -9 the relay in the middle of a PATCH, restart it on the same data directory, and resume:
// nothing acknowledged is lost and the stored bytes equal what was sent.

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SIZE = 64 * 1024 * 1024;
const SENT_BEFORE_KILL = 32 * 1024 * 1024;

let signaling: TestServer;
let dataDir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  signaling = await startTestServer();
  dataDir = await mkdtemp(join(tmpdir(), 'hypersend-relay-crash-'));
});
afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await signaling?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Start `relay/src/main.ts` as a child and wait for its "listening on" line. */
async function startRelayProcess(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'relay/src/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      RELAY_HOST: '127.0.0.1',
      RELAY_PORT: '0',
      RELAY_DATA_DIR: dataDir,
      RELAY_JWKS_URL: `${signaling.url}/v1/jwks.json`,
      RELAY_JWT_ISSUER: signaling.url,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const url = await new Promise<string>((ok, fail) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) ok(m[1]);
    });
    child.once('exit', (code) => fail(new Error(`relay exited with ${code}: ${out}`)));
  });
  return { child, url };
}

it('resumes after SIGKILL mid-upload from a durable offset, and stores exactly what was sent', async () => {
  const [alice, bob] = await Promise.all([registerUser(signaling), registerUser(signaling)]);
  const body = randomBytes(SIZE);
  const first = await startRelayProcess();
  const created = await createUpload(first.url, alice.accessToken, { recipient: bob.userId, length: SIZE });
  expect(created.status).toBe(201);
  const path = new URL(created.headers.get('location') ?? '').pathname;

  // Stream half the body in one PATCH, then kill the relay while the request is still open.
  await new Promise<void>((done) => {
    const req = request(`${first.url}${path}`, {
      method: 'PATCH',
      headers: tusHeaders(alice.accessToken, {
        'upload-offset': '0',
        'content-type': 'application/offset+octet-stream',
        'content-length': String(SIZE),
      }),
    });
    req.on('error', () => done());
    req.on('response', () => done());
    let sent = 0;
    const pump = () => {
      while (sent < SENT_BEFORE_KILL) {
        const chunk = body.subarray(sent, sent + 1024 * 1024);
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      // Give the relay a moment to write what it received, then pull the plug.
      setTimeout(() => first.child.kill('SIGKILL'), 300);
    };
    pump();
  });
  await new Promise((ok) => first.child.once('exit', ok));

  const second = await startRelayProcess();
  const uploadUrl = `${second.url}${path}`;
  const head = await fetch(uploadUrl, { method: 'HEAD', headers: tusHeaders(alice.accessToken) });
  expect(head.status).toBe(200);
  const offset = Number(head.headers.get('upload-offset'));
  expect(offset).toBeGreaterThan(0);
  expect(offset).toBeLessThanOrEqual(SENT_BEFORE_KILL);

  // The object is not complete and not visible to the recipient yet.
  const early = await fetch(`${second.url}/v1/objects${path.slice(path.lastIndexOf('/'))}`, {
    headers: { authorization: `Bearer ${bob.accessToken}` },
  });
  expect(early.status).toBe(404);

  const rest = await patchUpload(uploadUrl, alice.accessToken, offset, body.subarray(offset));
  expect(rest.status).toBe(204);
  expect(rest.headers.get('upload-offset')).toBe(String(SIZE));

  const got = await fetch(`${second.url}/v1/objects${path.slice(path.lastIndexOf('/'))}`, {
    headers: { authorization: `Bearer ${bob.accessToken}` },
  });
  expect(got.status).toBe(200);
  const hash = createHash('sha256');
  const reader = got.body?.getReader();
  for (let r = await reader?.read(); r && !r.done; r = await reader?.read()) hash.update(r.value);
  expect(hash.digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));

  second.child.kill('SIGTERM');
  const code = await new Promise((ok) => second.child.once('exit', ok));
  expect(code).toBe(0);
}, 120_000);
