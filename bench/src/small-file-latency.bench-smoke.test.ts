import { afterAll, describe, expect, it } from 'vitest';
import { parseResults } from './lib/bench-result.ts';
import { killBenches, runBench } from './lib/run-bench.ts';

// Keeps the small-file latency benchmark from rotting: two real encrypted 1 MiB transfers.
afterAll(killBenches);

describe('small-file-latency.ts --tiny', () => {
  it('reports send → first byte and send → complete, first byte first', { timeout: 120_000 }, async () => {
    const { code, out } = await runBench('bench/src/small-file-latency.ts', ['--tiny']);
    expect(code, out).toBe(0);
    const [result] = parseResults(out);
    const first = result?.figures.find((f) => f.id === 'latency.first_byte_ms');
    const complete = result?.figures.find((f) => f.id === 'latency.complete_ms');
    expect(first?.value).toBeGreaterThan(0);
    expect(complete?.value).toBeGreaterThan(first?.value ?? Number.POSITIVE_INFINITY);
  });
});
