import { afterAll, describe, expect, it } from 'vitest';
import { parseResults } from './lib/bench-result.ts';
import { killBenches, runBench } from './lib/run-bench.ts';
import type { SignalingResult } from './lib/signaling-report.ts';

// Keeps the side-by-side signaling benchmark from rotting: the same generator must hold every
// connection and route signals on both servers (peerjs-server speaks another protocol, so a
// generator that mis-builds or mis-checks its frames would deliver nothing there).
afterAll(killBenches);

describe('signaling-vs-peerjs.ts --tiny', () => {
  it('routes signals through both servers and reports the ratios', { timeout: 150_000 }, async () => {
    const { code, out } = await runBench('bench/src/signaling-vs-peerjs.ts', ['--tiny'], 140_000);
    expect(code, out).toBe(0);
    const [result] = parseResults(out);
    const details = result?.details as { hypersend: SignalingResult; peerjs: SignalingResult };
    for (const r of [details.hypersend, details.peerjs]) {
      expect(r.connect.held, `${r.server.name}: ${JSON.stringify(r.connect.failures)}`).toBe(50);
      expect(r.throughput.delivered).toBeGreaterThan(0);
      expect(r.throughput.otherFrames.wrong_signal ?? 0).toBe(0);
      expect(r.shallowThroughput.delivered).toBeGreaterThan(0);
      expect(r.latency.received).toBe(r.latency.sent);
    }
    expect(details.peerjs.server.name).toBe('peerjs');
    const ids = result?.figures.map((f) => f.id);
    expect(ids).toEqual([
      'signaling.connections_held',
      'signaling.signals_per_s',
      'signaling.shallow_signals_per_s',
      'signaling.p50_ms',
      'signaling.p99_ms',
      'signaling.rss_per_connection_kib',
    ]);
  });
});
