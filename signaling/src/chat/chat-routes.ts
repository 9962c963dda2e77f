import {
  AddMembersRequest,
  CreateConversationRequest,
  HistoryRequest,
  Id,
  RenameConversationRequest,
} from '@hypersend/protocol';
import { HttpError } from '../http/errors.ts';
import { callerOf, defineRoute, type Route, type RouteInput } from '../http/router.ts';
import type { ChatService } from './chat-service.ts';

/** A path parameter validated as an Id; anything else cannot exist (the same 404 as non-members get). */
function param(input: RouteInput<unknown>, name: string, what: string): string {
  const value = input.req.params[name] ?? '';
  if (!Id.safeParse(value).success) throw HttpError.notFound(`${what} not found`);
  return value;
}
const conversationOf = (input: RouteInput<unknown>) => param(input, 'conversationId', 'conversation');

/**
 * `/v1/conversations…`: create, list, read, rename, membership and history. Sending, receipts
 * and typing go over `/v1/ws` (`chat.*` frames). All routes need a bearer token; a conversation
 * the caller is not a member of is a 404, exactly like one that does not exist.
 *
 * @example
 * registerRoutes(app, ctx, chatRoutes({ chat: chatService }));
 */
export function chatRoutes(deps: { chat: ChatService }): Route[] {
  const { chat } = deps;
  return [
    defineRoute({
      method: 'post',
      pattern: '/v1/conversations',
      auth: true,
      body: CreateConversationRequest,
      handle: async (input) => ({ status: 201, json: await chat.create(callerOf(input), input.body) }),
    }),
    defineRoute({
      method: 'get',
      pattern: '/v1/conversations',
      auth: true,
      handle: async (input) => ({ status: 200, json: { conversations: await chat.list(callerOf(input)) } }),
    }),
    defineRoute({
      method: 'get',
      pattern: '/v1/conversations/:conversationId',
      auth: true,
      handle: async (input) => ({
        status: 200,
        json: await chat.get(callerOf(input), conversationOf(input)),
      }),
    }),
    defineRoute({
      method: 'post',
      pattern: '/v1/conversations/:conversationId/rename',
      auth: true,
      body: RenameConversationRequest,
      handle: async (input) => ({
        status: 200,
        json: await chat.rename(callerOf(input), conversationOf(input), input.body.title),
      }),
    }),
    defineRoute({
      method: 'post',
      pattern: '/v1/conversations/:conversationId/members',
      auth: true,
      body: AddMembersRequest,
      handle: async (input) => ({
        status: 200,
        json: await chat.addMembers(callerOf(input), conversationOf(input), input.body.members),
      }),
    }),
    defineRoute({
      method: 'del',
      pattern: '/v1/conversations/:conversationId/members/:userId',
      auth: true,
      handle: async (input) => {
        const conversation = conversationOf(input);
        await chat.removeMember(callerOf(input), conversation, param(input, 'userId', 'member'));
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'post',
      pattern: '/v1/conversations/:conversationId/leave',
      auth: true,
      handle: async (input) => {
        await chat.leave(callerOf(input), conversationOf(input));
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'post',
      pattern: '/v1/conversations/:conversationId/history',
      auth: true,
      body: HistoryRequest,
      handle: async (input) => ({
        status: 200,
        json: await chat.history(callerOf(input), conversationOf(input), input.body),
      }),
    }),
  ];
}
