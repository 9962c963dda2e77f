import type { ServerContext } from '../context.ts';
import { defineRoute, type Route } from './router.ts';

/**
 * Liveness, readiness and Prometheus metrics. `/healthz` answers while the process runs;
 * `/readyz` only when the store answers a ping.
 *
 * @example
 * registerRoutes(app, ctx, healthRoutes(ctx));
 */
export function healthRoutes(ctx: ServerContext): Route[] {
  return [
    defineRoute({
      method: 'get',
      pattern: '/healthz',
      auth: false,
      handle: () => ({ status: 200, json: { status: 'ok' } }),
    }),
    defineRoute({
      method: 'get',
      pattern: '/readyz',
      auth: false,
      handle: async () => {
        try {
          await ctx.store.ping();
          return { status: 200, json: { status: 'ready', store: ctx.store.kind } };
        } catch (err) {
          ctx.log.warn({ err }, 'store ping failed');
          return {
            status: 503,
            json: { error: { code: 'unavailable', message: 'store unreachable' } },
            headers: { 'Retry-After': '5' },
          };
        }
      },
    }),
    defineRoute({
      method: 'get',
      pattern: '/metrics',
      auth: false,
      handle: () => ({
        status: 200,
        text: ctx.metrics.render(),
        contentType: 'text/plain; version=0.0.4; charset=utf-8',
      }),
    }),
  ];
}
