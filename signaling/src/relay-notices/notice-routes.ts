import { Id, RelayNoticeCreate } from '@hypersend/protocol';
import { HttpError } from '../http/errors.ts';
import { callerOf, defineRoute, type Route } from '../http/router.ts';
import type { NoticeService } from './notice-service.ts';

/**
 * Relay notices over HTTP (bearer auth on every route; rules in `notice-service.ts`):
 * `POST /v1/relay-notices` (uploader) → 201 `{ id }`; `GET /v1/relay-notices` (recipient) →
 * `{ notices }` (all the caller's devices); `GET /v1/devices/:deviceId/relay-notices` (recipient)
 * → `{ notices }` of that one device (400 for a malformed id, 404 when it is not the caller's);
 * `DELETE /v1/relay-notices/:id` (recipient) → 204. Plus `GET /v1/config`
 * (no auth): `{ relayUrl }`, how clients find the store-and-forward relay.
 *
 * @example
 * registerRoutes(app, ctx, noticeRoutes({ notices: service, relayUrl: config.relayUrl }));
 */
export function noticeRoutes(deps: { notices: NoticeService; relayUrl: string | undefined }): Route[] {
  const { notices } = deps;
  return [
    defineRoute({
      method: 'get',
      pattern: '/v1/config',
      auth: false,
      noStore: false,
      handle: () => ({ status: 200, json: { relayUrl: deps.relayUrl ?? null } }),
    }),
    defineRoute({
      method: 'post',
      pattern: '/v1/relay-notices',
      auth: true,
      body: RelayNoticeCreate,
      handle: async (input) => ({ status: 201, json: await notices.create(callerOf(input), input.body) }),
    }),
    defineRoute({
      method: 'get',
      pattern: '/v1/relay-notices',
      auth: true,
      handle: async (input) => ({ status: 200, json: { notices: await notices.list(callerOf(input)) } }),
    }),
    defineRoute({
      // A path rather than `?device=`: the router hands handlers path parameters, not the query.
      method: 'get',
      pattern: '/v1/devices/:deviceId/relay-notices',
      auth: true,
      handle: async (input) => {
        const deviceId = input.req.params.deviceId ?? '';
        // Parsed before the store sees it: nothing but an id-shaped string reaches a query.
        if (!Id.safeParse(deviceId).success) throw HttpError.badRequest('deviceId: expected an id');
        return { status: 200, json: { notices: await notices.listForDevice(callerOf(input), deviceId) } };
      },
    }),
    defineRoute({
      method: 'del',
      pattern: '/v1/relay-notices/:id',
      auth: true,
      handle: async (input) => {
        const id = input.req.params.id ?? '';
        if (!Id.safeParse(id).success) throw HttpError.notFound('notice not found');
        await notices.acknowledge(callerOf(input), id);
        return { status: 204 };
      },
    }),
  ];
}
