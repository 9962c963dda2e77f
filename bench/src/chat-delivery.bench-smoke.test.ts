import { afterAll, describe, expect, it } from 'vitest';
import { parseResults } from './lib/bench-result.ts';
import { killBenches, runBench } from './lib/run-bench.ts';

// Keeps the chat delivery benchmark from rotting: a real server process, real SDK clients and the
// raw-frame reference each deliver every message they sent, and the figures are reported.
afterAll(killBenches);

describe('chat-delivery.ts --tiny', () => {
  it('delivers every sent message through a server process and reports messages/s', {
    timeout: 100_000,
  }, async () => {
    const { code, out } = await runBench('bench/src/chat-delivery.ts', ['--tiny'], 90_000);
    expect(code, out).toBe(0);
    const [result] = parseResults(out);
    const details = result?.details as
      | {
          sendRate: number;
          sdk: { sent: number; delivered: number };
          raw: { sent: number; delivered: number };
        }
      | undefined;
    // --tiny sends 40 messages per phase; all of them must arrive, none may fail.
    for (const phase of [details?.sdk, details?.raw]) {
      expect(phase?.sent, out).toBe(40);
      expect(phase?.delivered, out).toBe(40);
    }
    expect(out).toMatch(/HYPERSEND_CHAT_SEND_RATE=100000/u);
    expect(details?.sendRate).toBe(100_000);
    for (const id of [
      'chat.delivered_per_s.sqlite',
      'chat.delivery_p50_ms.sqlite',
      'chat.delivery_p99_ms.sqlite',
    ]) {
      const f = result?.figures.find((x) => x.id === id);
      expect(f?.value, id).toBeGreaterThan(0);
      expect(f?.reference?.value, id).toBeGreaterThan(0);
    }
  });
});
