import { describe, expect, it } from 'vitest';
import { afterClose, type ClosedConnection } from './close-policy.ts';

const closed = (c: Partial<ClosedConnection>): ClosedConnection => ({
  code: 1006,
  refusedStatus: undefined,
  wasOpen: true,
  reconnectAfterMs: undefined,
  ...c,
});

describe('afterClose', () => {
  it('stays closed when another connection of the device took over (4001), whatever else happened', () => {
    expect(afterClose(closed({ code: 4001, reconnectAfterMs: 10 }))).toEqual({ kind: 'replaced' });
  });

  it('stops on upgrade refusals retrying cannot fix (400, 403) with the matching code', () => {
    const forbidden = afterClose(closed({ refusedStatus: 403, wasOpen: false }));
    expect(forbidden.kind === 'refused' && forbidden.error.code).toBe('forbidden');
    const bad = afterClose(closed({ refusedStatus: 400, wasOpen: false }));
    expect(bad.kind === 'refused' && bad.error.code).toBe('bad_request');
  });

  it('retries with a fresh credential after a 401 or an expired token; at once only for an open connection', () => {
    expect(afterClose(closed({ refusedStatus: 401, wasOpen: false }))).toEqual({
      kind: 'retry',
      delayMs: undefined,
      freshCredential: true,
    });
    expect(afterClose(closed({ code: 4002 }))).toEqual({ kind: 'retry', delayMs: 0, freshCredential: true });
    expect(afterClose(closed({ code: 4002, wasOpen: false }))).toEqual({
      kind: 'retry',
      delayMs: undefined,
      freshCredential: true,
    });
  });

  it("honours the server's reconnect{afterMs} over every other delay; otherwise backs off", () => {
    expect(afterClose(closed({ code: 4002, reconnectAfterMs: 2_500 }))).toEqual({
      kind: 'retry',
      delayMs: 2_500,
      freshCredential: true,
    });
    expect(afterClose(closed({ code: 1001, reconnectAfterMs: 700 }))).toEqual({
      kind: 'retry',
      delayMs: 700,
      freshCredential: false,
    });
    expect(afterClose(closed({ code: 1006, refusedStatus: 503 }))).toEqual({
      kind: 'retry',
      delayMs: undefined,
      freshCredential: false,
    });
  });
});
