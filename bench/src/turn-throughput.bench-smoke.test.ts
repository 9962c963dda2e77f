import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// Keeps the TURN benchmark from rotting: it must start coturn, run both kinds of round in --tiny
// mode, print the figures and exit on its own (which also proves it stops coturn).
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const running = new Set<ReturnType<typeof spawn>>();

afterAll(() => {
  for (const c of running) c.kill('SIGKILL');
});

describe('turn-throughput.ts --tiny', () => {
  it('reports direct and TURN MB/s and their ratio', { timeout: 120_000 }, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/src/turn-throughput.ts', '--tiny'], {
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
    expect(out).toMatch(/direct median: \d+(\.\d+)? MB\/s/u);
    expect(out).toMatch(/turn median: +\d+(\.\d+)? MB\/s/u);
    expect(out).toMatch(/ratio: +\d+(\.\d+)? %/u);
  });
});
