import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { STEPS } from './all.ts';
import type { RunRecord } from './lib/results-markdown.ts';
import { killBenches, runBench } from './lib/run-bench.ts';

// Keeps `npm run bench` from rotting: every step at smoke size, then both output files, written to
// a temp dir (a --tiny run never touches the committed results).
afterAll(killBenches);

describe('all.ts --tiny', () => {
  it('runs every step and writes latest.json and RESULTS.md', { timeout: 900_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hypersend-bench-all-'));
    try {
      const { code, out } = await runBench('bench/src/all.ts', ['--tiny', `--out-dir=${dir}`], 880_000);
      expect(code, out.slice(-6000)).toBe(0);
      const run = JSON.parse(await readFile(join(dir, 'latest.json'), 'utf8')) as RunRecord;
      expect(run.tiny).toBe(true);
      expect(run.machine.cores).toBeGreaterThan(0);
      expect(run.commit).toMatch(/^[0-9a-f]{40}$/u);
      expect(run.steps.map((s) => s.name)).toEqual(STEPS.map((s) => s.name));
      for (const step of run.steps) {
        expect(step.ok, `${step.name}: ${step.error}`).toBe(true);
        expect(step.results.flatMap((r) => r.figures).length, step.name).toBeGreaterThan(0);
      }
      // 16 MiB and 8 MiB transfers stand in for 4 GiB and 512 MiB: the cross-step figures exist.
      expect(run.derived.map((f) => f.id)).toEqual([
        'transfer.peak_rss_growth_sender',
        'transfer.peak_rss_growth_receiver',
      ]);
      const md = await readFile(join(dir, 'RESULTS.md'), 'utf8');
      expect(md).toContain('| Figure | Hypersend | Reference (same run) | Ratio | Goal | Pass |');
      expect(md).toContain(run.machine.cpuModel);
      for (const step of STEPS) expect(md).toContain(step.script);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
