import { describe, expect, it } from 'vitest';
import type { Clock } from '../api/runtime.ts';
import { HypersendError } from '../errors.ts';
import { IdleHeartbeat } from './idle-heartbeat.ts';

/** A manual clock: `advance(ms)` runs the timers that fall due, in order. */
function manualClock() {
  let now = 0;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      timers.set(++seq, { at: now + ms, fn });
      return seq;
    },
    clearTimeout: (h) => {
      timers.delete(h as number);
    },
  };
  const advance = async (ms: number) => {
    const end = now + ms;
    for (;;) {
      const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      timers.delete(due[0]);
      now = due[1].at;
      due[1].fn();
      await Promise.resolve();
    }
    now = end;
  };
  return { clock, advance, pending: () => timers.size };
}

describe('IdleHeartbeat', () => {
  it('pings only when the connection was quiet for half a heartbeat', async () => {
    const { clock, advance } = manualClock();
    const hb = new IdleHeartbeat(clock);
    const pings: number[] = [];
    const ping = (ms: number) => {
      pings.push(ms);
      return Promise.resolve();
    };
    hb.start(10_000, { live: () => true, ping, dead: () => {} });
    // Traffic both ways every 2 s keeps it quiet for 15 s.
    for (let t = 0; t < 15_000; t += 2_000) {
      hb.sent();
      hb.received();
      await advance(2_000);
    }
    expect(pings).toEqual([]);
    await advance(5_000);
    expect(pings).toEqual([10_000]); // the ping waits a whole heartbeat for its answer
    hb.stop();
  });

  it('declares the path dead when a ping times out, and not when it fails otherwise', async () => {
    const { clock, advance } = manualClock();
    let dead = 0;
    const hb = new IdleHeartbeat(clock);
    const answers = [
      Promise.reject(new HypersendError('not_connected', 'gone')),
      Promise.reject(new HypersendError('timeout', 'no pong')),
    ];
    hb.start(2_000, { live: () => true, ping: () => answers.shift(), dead: () => dead++ });
    await advance(1_000);
    expect(dead).toBe(0);
    await advance(1_000);
    expect(dead).toBe(1);
    hb.stop();
  });

  it('does nothing for a connection that is no longer live, and stop() cancels the next check', async () => {
    const { clock, advance, pending } = manualClock();
    const hb = new IdleHeartbeat(clock);
    let pings = 0;
    const ping = () => {
      pings++;
      return Promise.resolve();
    };
    hb.start(2_000, { live: () => false, ping, dead: () => {} });
    await advance(10_000);
    expect(pings).toBe(0);
    expect(pending()).toBe(0); // a stale connection's heartbeat ends instead of re-arming
    hb.start(2_000, { live: () => true, ping, dead: () => {} });
    hb.stop();
    await advance(10_000);
    expect(pings).toBe(0);
  });
});
