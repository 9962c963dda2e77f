// Runs examples/send-file exactly as its README says (the `node …` line of the README's first
// sh block), against a test server, so the example cannot rot.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

describe('examples/send-file', () => {
  it('runs as its README says and both hashes match', async () => {
    const readme = await readFile(join(ROOT, 'examples', 'send-file', 'README.md'), 'utf8');
    const block = /```sh\n([\s\S]*?)```/u.exec(readme)?.[1] ?? '';
    const line = block.split('\n').find((l) => l.startsWith('node '));
    expect(line, 'README has a node command').toBeDefined();
    const argv = (line ?? '').replace(/#.*$/u, '').trim().split(/\s+/u);
    const child = spawn(argv[0] === 'node' ? process.execPath : (argv[0] ?? ''), argv.slice(1), {
      cwd: ROOT,
      env: { ...process.env, HYPERSEND_SERVER: server.url },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const code = await new Promise<number | null>((res) => {
      const t = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('exit', (c) => {
        clearTimeout(t);
        res(c);
      });
    });
    expect(code, out).toBe(0);
    expect(out).toMatch(/bob: alice_\w+ offers README\.md/u);
    expect(out).toMatch(/alice: 100% /u);
    const sent = /sent {5}sha256 ([0-9a-f]{64})/u.exec(out)?.[1];
    const got = /received sha256 ([0-9a-f]{64})/u.exec(out)?.[1];
    expect(sent).toBeDefined();
    expect(got).toBe(sent);
  }, 90_000);
});
