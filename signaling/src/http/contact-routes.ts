import { ContactRequest, Id } from '@hypersend/protocol';
import type { Contacts } from '../services/contacts.ts';
import { HttpError } from './errors.ts';
import { callerOf, defineRoute, type Route, type RouteInput } from './router.ts';

/** `:userId` from the path, validated as an Id (anything else cannot exist: 404). */
function peerOf(input: RouteInput<unknown>): string {
  const peerId = input.req.params.userId ?? '';
  if (!Id.safeParse(peerId).success) throw HttpError.notFound('user not found');
  return peerId;
}

/**
 * Contact list and requests. A request is always answered 202 so it cannot be used to probe
 * usernames or blocks.
 *
 * @example
 * registerRoutes(app, ctx, contactRoutes({ contacts }));
 */
export function contactRoutes(deps: { contacts: Contacts }): Route[] {
  const { contacts } = deps;
  return [
    defineRoute({
      method: 'get',
      pattern: '/v1/contacts',
      auth: true,
      handle: async (input) => ({ status: 200, json: await contacts.list(callerOf(input)) }),
    }),
    defineRoute({
      method: 'post',
      pattern: '/v1/contacts/requests',
      auth: true,
      body: ContactRequest,
      handle: async (input) => {
        await contacts.request(callerOf(input), input.body.username);
        return { status: 202, json: { status: 'accepted' } };
      },
    }),
    defineRoute({
      method: 'post',
      pattern: '/v1/contacts/:userId/accept',
      auth: true,
      handle: async (input) => ({ status: 200, json: await contacts.accept(callerOf(input), peerOf(input)) }),
    }),
    defineRoute({
      method: 'del',
      pattern: '/v1/contacts/:userId',
      auth: true,
      handle: async (input) => {
        await contacts.remove(callerOf(input), peerOf(input));
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'post',
      pattern: '/v1/contacts/:userId/block',
      auth: true,
      handle: async (input) => {
        await contacts.block(callerOf(input), peerOf(input));
        return { status: 204 };
      },
    }),
  ];
}
