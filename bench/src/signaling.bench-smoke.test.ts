import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { SignalingResult } from './lib/signaling-report.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Keeps the signaling benchmark from rotting: a `--tiny` run (50 connections, 1 s phases) against a
 * real server process must hold every connection and route signals. No figure is asserted beyond
 * "more than zero": a benchmark prints numbers, it does not pass or fail on them.
 */
describe('signaling benchmark (--tiny)', () => {
  it('holds every requested connection, routes signals and prints a JSON result line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hypersend-bench-smoke-'));
    const out = join(dir, 'signaling.json');
    try {
      const stdout = await new Promise<string>((resolve, reject) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', 'bench/src/signaling.ts', '--tiny', '--out', out],
          { cwd: REPO_ROOT, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
          (err, so, se) => (err ? reject(new Error(`${err.message}\n${so}\n${se}`)) : resolve(so)),
        );
      });
      const lines = stdout.trim().split('\n');
      const result = JSON.parse(lines[lines.length - 1] ?? '') as SignalingResult;
      expect(result.bench).toBe('signaling');
      expect(result.config.connections).toBe(50);
      // Every connection held: one dropped between its 101 and `hello` (the uWS cork bug, see
      // signaling-load-worker.ts) is opened again and shows under `retries`, not as a loss.
      const failures = JSON.stringify(result.connect.failures);
      expect(result.connect.held, failures).toBe(50);
      expect(Object.keys(result.connect.retries).every((k) => k === 'close 1006')).toBe(true);
      // Both closed loops ran with their windows, and none was fed by the other's stragglers.
      for (const [loop, window] of [
        [result.throughput, 8],
        [result.shallowThroughput, 2],
      ] as const) {
        expect(loop.window).toBe(window);
        expect(loop.delivered).toBeGreaterThan(0);
        expect(loop.signalsPerSecond).toBeGreaterThan(0);
        expect(loop.otherFrames.undrained_before_phase ?? 0).toBe(0);
        expect(loop.otherFrames.wrong_signal ?? 0).toBe(0);
      }
      expect(result.latency.received).toBeGreaterThan(0);
      // The pre-roll (0.5 s at 500/s) ran first and is in none of the measured figures.
      expect(result.latency.prerollS).toBe(0.5);
      expect(result.latency.sent).toBeLessThanOrEqual(550);
      expect(result.latency.otherFrames.undrained_before_phase ?? 0).toBe(0);
      expect(result.latency.otherFrames.wrong_signal ?? 0).toBe(0);
      expect(result.latency.p99Ms).toBeGreaterThan(0);
      // Both processes' stall recorders ran (Linux schedstat): lists, possibly empty.
      expect(Array.isArray(result.latency.serverLoopDelay?.stalls)).toBe(true);
      expect(Array.isArray(result.latency.generatorLoopDelay?.stalls)).toBe(true);
      expect(result.rss.heldMiB).toBeGreaterThan(0);
      const written = JSON.parse(await readFile(out, 'utf8')) as SignalingResult;
      expect(written.connect.held).toBe(result.connect.held);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
