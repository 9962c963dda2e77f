import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// Keeps the reference benchmarks from rotting: both must run in --tiny mode and exit on their own.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const running = new Set<ReturnType<typeof spawn>>();

function runBench(script: string, timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, '--tiny'], { cwd: ROOT });
    running.add(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not exit within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, out });
    });
  });
}

describe('benchmarks in --tiny mode', () => {
  afterAll(() => {
    for (const c of running) c.kill('SIGKILL');
  });

  it('raw-datachannel.ts reports MB/s', { timeout: 120_000 }, async () => {
    const { code, out } = await runBench('bench/src/raw-datachannel.ts', 100_000);
    expect(code, out).toBe(0);
    expect(out).toMatch(/raw median: \d+(\.\d+)? MB\/s/);
  });

  it('peer-session-throughput.ts reports MB/s and the ratio to raw', { timeout: 120_000 }, async () => {
    const { code, out } = await runBench('bench/src/peer-session-throughput.ts', 100_000);
    expect(code, out).toBe(0);
    expect(out).toMatch(/session median: \d+(\.\d+)? MB\/s/);
    expect(out).toMatch(/ratio: +\d+(\.\d+)? %/);
  });
});
