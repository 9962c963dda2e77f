import type { DeviceAddress } from '@hypersend/protocol';
import { describe, expect, it } from 'vitest';
import { HypersendError } from '../errors.ts';
import { answerChunkQuery, askChunkLimit, chooseChunkSize } from './chunk-size-query.ts';
import { type ControlHandler, routeKey, type TransferContext } from './transfer-context.ts';
import { TransferControl } from './transfer-control.ts';

const peer: DeviceAddress = { user: 'u_bob', device: 'd_bob' };

/** A context whose signaling is a function: `reply(sid, msg)` is what the peer does with a query. */
function fakeCtx(o: {
  limit: number;
  reply?: (sid: string, data: Record<string, unknown>, deliver: (m: Record<string, unknown>) => void) => void;
  sendFails?: boolean;
}) {
  const routes = new Map<string, ControlHandler>();
  const sent: Array<{ to: DeviceAddress; sid: string; data: Record<string, unknown> }> = [];
  const ctx = {
    log: { debug() {}, info() {}, warn() {}, error() {} },
    chunkLimit: async () => o.limit,
    chunkQueryTimeoutMs: 200,
    route(id: string, from: DeviceAddress, h: ControlHandler) {
      routes.set(routeKey(id, from), h);
      return () => routes.delete(routeKey(id, from));
    },
    async sendControl(to: DeviceAddress, sid: string, data: Record<string, unknown>) {
      if (o.sendFails) throw new HypersendError('peer_offline', 'offline');
      sent.push({ to, sid, data });
      o.reply?.(sid, data, (m) => {
        // What the service does with an incoming signal: validate, then route by (sid, sender).
        const parsed = TransferControl.safeParse(m);
        if (parsed.success) routes.get(routeKey(sid, to))?.(parsed.data);
      });
    },
  } as unknown as TransferContext;
  return { ctx, routes, sent };
}

describe('askChunkLimit / chooseChunkSize', () => {
  it('uses the smaller of both limits when the peer answers', async () => {
    const { ctx, routes, sent } = fakeCtx({
      limit: 255 * 1024,
      reply: (_sid, _q, deliver) =>
        setTimeout(() => deliver({ v: 1, t: 'caps', maxChunkSize: 128 * 1024 }), 5),
    });
    expect(await chooseChunkSize(ctx, peer)).toBe(128 * 1024);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.data).toEqual({ v: 1, t: 'caps-query' });
    expect(sent[0]?.sid).toMatch(/^q_[A-Za-z0-9_-]{16}$/u); // a fresh query id, never a transfer id
    expect(routes.size).toBe(0); // the route is gone once answered
  });

  it('clamps an absurd advertisement to 1 MiB and a tiny one to 16 KiB', async () => {
    for (const [theirs, expected] of [
      [0xffff_ffff, 1024 * 1024],
      [1, 16 * 1024],
    ] as const) {
      const { ctx } = fakeCtx({
        limit: 4 * 1024 * 1024,
        reply: (_s, _q, deliver) => deliver({ v: 1, t: 'caps', maxChunkSize: theirs }),
      });
      expect(await chooseChunkSize(ctx, peer)).toBe(expected);
    }
  });

  it('gives 64 KiB after the timeout when the peer stays silent, and cleans up', async () => {
    const { ctx, routes } = fakeCtx({ limit: 255 * 1024 });
    const t0 = performance.now();
    expect(await chooseChunkSize(ctx, peer)).toBe(64 * 1024);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
    expect(routes.size).toBe(0);
  });

  it('ignores malformed or unrelated answers and waits for a valid one', async () => {
    const { ctx } = fakeCtx({
      limit: 255 * 1024,
      reply: (_s, _q, deliver) => {
        deliver({ v: 1, t: 'caps', maxChunkSize: 'huge' }); // dropped by the schema
        deliver({ v: 1, t: 'decline' }); // not an answer to a query
        setTimeout(() => deliver({ v: 1, t: 'caps', maxChunkSize: 96 * 1024 }), 5);
      },
    });
    expect(await askChunkLimit(ctx, peer, 1000)).toBe(96 * 1024);
  });

  it('gives undefined at once when the query cannot be sent', async () => {
    const { ctx, routes } = fakeCtx({ limit: 255 * 1024, sendFails: true });
    const t0 = performance.now();
    expect(await askChunkLimit(ctx, peer, 5000)).toBeUndefined();
    expect(performance.now() - t0).toBeLessThan(4000);
    expect(routes.size).toBe(0);
  });
});

describe('answerChunkQuery', () => {
  it('answers under the query sid with this device limit', async () => {
    const { ctx, sent } = fakeCtx({ limit: 255 * 1024 });
    await answerChunkQuery(ctx, peer, 'q_abc');
    expect(sent).toEqual([{ to: peer, sid: 'q_abc', data: { v: 1, t: 'caps', maxChunkSize: 261_120 } }]);
    expect(TransferControl.safeParse(sent[0]?.data).success).toBe(true);
  });

  it('never rejects when the answer cannot be delivered', async () => {
    const { ctx } = fakeCtx({ limit: 255 * 1024, sendFails: true });
    await expect(answerChunkQuery(ctx, peer, 'q_abc')).resolves.toBeUndefined();
  });
});
