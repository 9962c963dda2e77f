import { afterAll, describe, expect, it } from 'vitest';
import { parseResults } from './lib/bench-result.ts';
import { killBenches, runBench } from './lib/run-bench.ts';

// Keeps the croc comparison from rotting: croc (scripts/setup.d/45-croc.sh) must carry the file
// through its own relay on loopback, byte-identical, and Hypersend must send the same file.
afterAll(killBenches);

describe('croc.ts --tiny', () => {
  it('times croc and Hypersend on the same file and reports their ratio', { timeout: 150_000 }, async () => {
    const { code, out } = await runBench('bench/src/croc.ts', ['--tiny'], 140_000);
    expect(code, out).toBe(0);
    expect(out).toMatch(/croc median: +\d+(\.\d+)? MB\/s/u);
    const [result] = parseResults(out);
    const figure = result?.figures.find((f) => f.id === 'croc.hypersend_vs_croc');
    expect(figure?.value).toBeGreaterThan(0);
    expect(figure?.reference?.value).toBeGreaterThan(0);
    expect(figure?.ratio).toBeCloseTo((figure?.value ?? 0) / (figure?.reference?.value ?? 1), 6);
  });
});
