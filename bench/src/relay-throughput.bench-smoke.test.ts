import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// Keeps the relay benchmark from rotting: --tiny must run end to end and print every figure.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const running = new Set<ReturnType<typeof spawn>>();

afterAll(() => {
  for (const c of running) c.kill('SIGKILL');
});

describe('relay-throughput.ts --tiny', () => {
  it('reports upload, download and disk copy MB/s and the relay peak RSS', { timeout: 120_000 }, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/src/relay-throughput.ts', '--tiny'], {
      cwd: ROOT,
    });
    running.add(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        running.delete(child);
        resolve(c);
      });
    });
    expect(code, out).toBe(0);
    expect(out).toMatch(/upload: +\d+(\.\d+)? MB\/s/u);
    expect(out).toMatch(/download: +\d+(\.\d+)? MB\/s/u);
    expect(out).toMatch(/disk copy: +\d+(\.\d+)? MB\/s/u);
    expect(out).toMatch(/relay peak RSS: \d+ MiB/u);
  });
});
