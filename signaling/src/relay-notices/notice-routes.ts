import { Id, RelayNoticeCreate } from '@hypersend/protocol';
import { HttpError } from '../http/errors.ts';
import { callerOf, defineRoute, type Route } from '../http/router.ts';
import type { NoticeService } from './notice-service.ts';

/**
 * Relay notices over HTTP (bearer auth on every route; rules in `notice-service.ts`):
 * `POST /v1/relay-notices` (uploader) → 201 `{ id }`; `GET /v1/relay-notices` (recipient) →
 * `{ notices }`; `DELETE /v1/relay-notices/:id` (recipient) → 204. Plus `GET /v1/config`
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
