import { afterAll, describe, expect, it } from 'vitest';
import { parseResults } from './lib/bench-result.ts';
import { killBenches, runBench } from './lib/run-bench.ts';

// Keeps the chat store benchmark from rotting: both back ends (SQLite, and FerretDB started the way
// the test suite starts it) are seeded, paged and appended to, and every figure is reported.
afterAll(killBenches);

describe('chat-history.ts --tiny', () => {
  it('reports history page latency and appends/s on SQLite and MongoDB', { timeout: 150_000 }, async () => {
    const { code, out } = await runBench('bench/src/chat-history.ts', ['--tiny'], 140_000);
    expect(code, out).toBe(0);
    const [result] = parseResults(out);
    const ids = result?.figures.map((f) => f.id) ?? [];
    for (const backend of ['sqlite', 'mongodb'])
      for (const figure of ['history_p50_ms', 'history_p99_ms', 'appends_per_s']) {
        const f = result?.figures.find((x) => x.id === `chat.${figure}.${backend}`);
        expect(f?.value, `chat.${figure}.${backend} in ${ids.join(', ')}`).toBeGreaterThan(0);
      }
    // The smaller MongoDB scale is printed, not hidden.
    expect(out).toMatch(/mongodb: measured at 500 messages, NOT 2,000/u);
  });
});
