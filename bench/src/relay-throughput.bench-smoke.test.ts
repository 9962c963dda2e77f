import { afterAll, describe, expect, it } from 'vitest';
import { killBenches, runBench } from './lib/run-bench.ts';

// Keeps the relay benchmark from rotting: --tiny must run end to end and print every figure.
afterAll(killBenches);

describe('relay-throughput.ts --tiny', () => {
  it('reports upload, download and disk copy MB/s and the relay peak RSS', { timeout: 120_000 }, async () => {
    const { code, out } = await runBench('bench/src/relay-throughput.ts', ['--tiny']);
    expect(code, out).toBe(0);
    expect(out).toMatch(/upload: +\d+(\.\d+)? MB\/s/u);
    expect(out).toMatch(/download: +\d+(\.\d+)? MB\/s/u);
    expect(out).toMatch(/disk copy: +\d+(\.\d+)? MB\/s/u);
    expect(out).toMatch(/relay peak RSS: \d+ MiB/u);
  });
});
