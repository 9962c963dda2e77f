import { afterAll, describe, expect, it } from 'vitest';
import { killBenches, runBench } from './lib/run-bench.ts';

// Keeps the TURN benchmark from rotting: it must start coturn, run both kinds of round in --tiny
// mode, print the figures and exit on its own (which also proves it stops coturn).
afterAll(killBenches);

describe('turn-throughput.ts --tiny', () => {
  it('reports direct and TURN MB/s and their ratio', { timeout: 120_000 }, async () => {
    const { code, out } = await runBench('bench/src/turn-throughput.ts', ['--tiny']);
    expect(code, out).toBe(0);
    expect(out).toMatch(/direct median: \d+(\.\d+)? MB\/s/u);
    expect(out).toMatch(/turn median: +\d+(\.\d+)? MB\/s/u);
    expect(out).toMatch(/ratio: +\d+(\.\d+)? %/u);
  });
});
