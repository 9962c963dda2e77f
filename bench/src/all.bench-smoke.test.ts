import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { STEPS } from './all.ts';
import type { RunRecord } from './lib/results-markdown.ts';
import { killBenches, runBench } from './lib/run-bench.ts';

// Keeps `npm run bench` from rotting: the runner, both output files (in a temp dir: a --tiny run
// never touches the committed results) and the cross-step figures. To keep the suite lean it runs
// the steps that have no smoke test of their own (transfer-throughput at both sizes) plus croc;
// every other step's script is run by its own *.bench-smoke.test.ts with the same `--tiny`.
const ONLY = ['transfer-512m', 'transfer-4g', 'croc'];
afterAll(killBenches);

describe('all.ts --tiny', () => {
  it('runs the steps and writes latest.json and RESULTS.md', { timeout: 300_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hypersend-bench-all-'));
    try {
      const args = ['--tiny', `--only=${ONLY.join(',')}`, `--out-dir=${dir}`];
      const { code, out } = await runBench('bench/src/all.ts', args, 280_000);
      expect(code, out.slice(-6000)).toBe(0);
      const run = JSON.parse(await readFile(join(dir, 'latest.json'), 'utf8')) as RunRecord;
      expect(run.tiny).toBe(true);
      expect(run.machine.cores).toBeGreaterThan(0);
      expect(run.commit).toMatch(/^[0-9a-f]{40}$/u);
      expect(run.steps.map((s) => s.name)).toEqual(ONLY);
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
      for (const step of run.steps) expect(md).toContain(step.command);
      // The steps left out here run their scripts with exactly the arguments their own smoke tests use.
      for (const step of STEPS.filter((s) => !ONLY.includes(s.name)))
        expect(step.tinyArgs).toEqual(['--tiny']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
