import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// Keeps bench/src/transfer-throughput.ts from rotting: it must run in --tiny mode and exit.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const running = new Set<ReturnType<typeof spawn>>();

describe('transfer benchmark in --tiny mode', () => {
  afterAll(() => {
    for (const c of running) c.kill('SIGKILL');
  });

  it('reports encrypted MB/s, the ratio to raw, first-byte latency and peak RSS', {
    timeout: 150_000,
  }, async () => {
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'bench/src/transfer-throughput.ts', '--tiny'],
        {
          cwd: ROOT,
        },
      );
      running.add(child);
      let text = '';
      child.stdout.on('data', (d: Buffer) => {
        text += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        text += d.toString();
      });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`benchmark did not exit in time:\n${text}`));
      }, 140_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        running.delete(child);
        resolve({ code: c, out: text });
      });
    });
    expect(code, out).toBe(0);
    expect(out).toMatch(/encrypted median: \d+(\.\d+)? MB\/s/);
    expect(out).toMatch(/ratio: +\d+(\.\d+)? %/);
    expect(out).toMatch(/send → first byte median: \d+ ms/);
    expect(out).toMatch(/peak RSS: sender \d+ MB, receiver \d+ MB/);
  });
});
