import type { Logger } from 'pino';
import type { Clock, Relationships } from '../context.ts';
import type { Route } from '../http/router.ts';
import type { Store } from '../store/store.ts';
import type { ChatFrameHandler } from './chat-frame-handler.ts';
import { ChatHub } from './chat-hub.ts';
import type { ChatLimits } from './chat-limits.ts';
import { chatRoutes } from './chat-routes.ts';
import { type ChatService, createChatService } from './chat-service.ts';
import type { ChatStore } from './chat-store.ts';
import { type ChatReplies, createChatFrameHandler } from './chat-ws.ts';
import { startRetention } from './retention.ts';

/** Chat assembled for the server: HTTP routes, the WebSocket frame handler, retention. */
export interface ChatModule {
  service: ChatService;
  hub: ChatHub;
  routes: Route[];
  /** Build the `chat.*` frame handler around the gateway's sender (see `GatewayOptions.chat`). */
  frames(replies: ChatReplies): ChatFrameHandler;
  /** Remove expired messages now (when retention is configured); resolves with how many. */
  sweep(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Wire the chat pieces together. `server.ts` calls this once.
 *
 * @example
 * const chat = createChatModule({ store, chatStore, contacts, clock, log, retentionMs: null });
 * registerRoutes(app, ctx, [...chat.routes]);
 * registerWebSocket(app, ctx, { chat: chat.frames });
 */
export function createChatModule(deps: {
  store: Store;
  chatStore: ChatStore;
  contacts: Relationships;
  clock: Clock;
  log: Logger;
  retentionMs: number | null;
  limits?: Partial<ChatLimits>;
  onRelationshipChange?(a: string, b: string): void;
}): ChatModule {
  const log = deps.log.child({ component: 'chat' });
  const hub = new ChatHub();
  const service = createChatService({
    store: deps.store,
    chat: deps.chatStore,
    contacts: deps.contacts,
    hub,
    clock: deps.clock,
    log,
    ...(deps.limits ? { limits: deps.limits } : {}),
    ...(deps.onRelationshipChange ? { onRelationshipChange: deps.onRelationshipChange } : {}),
  });
  const retention =
    deps.retentionMs === null
      ? undefined
      : startRetention({ chat: deps.chatStore, retentionMs: deps.retentionMs, clock: deps.clock, log });
  return {
    service,
    hub,
    routes: chatRoutes({ chat: service }),
    frames(replies) {
      hub.bind(replies);
      return createChatFrameHandler({ service, chat: deps.chatStore, hub, replies, log });
    },
    sweep: () => retention?.sweep() ?? Promise.resolve(0),
    async close() {
      await retention?.close();
    },
  };
}
