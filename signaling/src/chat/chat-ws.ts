import { type ChatClientMessage, ErrorCode } from '@hypersend/protocol';
import type { Logger } from 'pino';
import { HttpError } from '../http/errors.ts';
import { assertNever } from '../ws/assert-never.ts';
import type { Connection } from '../ws/connection.ts';
import type { ChatFrameHandler } from './chat-frame-handler.ts';
import type { ChatHub } from './chat-hub.ts';
import type { ChatService } from './chat-service.ts';
import type { ChatStore } from './chat-store.ts';

/** Writes frames and typed errors to a connection (the gateway's `Sender`). */
export interface ChatReplies {
  send(conn: Connection, frame: string): boolean;
  error(conn: Connection, code: ErrorCode, message: string, ref: string | undefined): void;
}

const ack = (ref: string) => JSON.stringify({ type: 'ack', ref });
const SYNC_PAGE = 100;

/**
 * `chat.*` frames on `/v1/ws`: send, receipts, typing, delete and the catch-up (`chat.sync`).
 * Every frame is authorized by membership; refusals are typed `error` frames echoing the id.
 *
 * @example
 * const chatFrames = createChatFrameHandler({ service, chat: chatStore, hub, replies: sender, log });
 * createMessageHandler({ ..., chat: chatFrames });
 */
export function createChatFrameHandler(deps: {
  service: ChatService;
  chat: ChatStore;
  hub: ChatHub;
  replies: ChatReplies;
  log: Logger;
}): ChatFrameHandler {
  const { service, chat, hub, replies, log } = deps;

  const sync = async (conn: Connection, ref: string | undefined): Promise<void> => {
    hub.beginSync(conn);
    let count = 0;
    try {
      const memberships = await chat.listMemberships(conn.userId);
      for (const m of memberships) {
        let after = await chat.getDeviceCursor(m.conversationId, conn.userId, conn.deviceId);
        for (let sent = 0; sent < service.limits.maxSyncPerConversation && !conn.closed; ) {
          const page = await chat.listMessages(m.conversationId, { after, limit: SYNC_PAGE });
          for (const message of page) hub.sendCatchUp(conn, message);
          sent += page.length;
          count += page.length;
          if (page.length < SYNC_PAGE) break;
          after = page[page.length - 1]!.seq;
        }
      }
    } finally {
      hub.endSync(conn);
    }
    replies.send(
      conn,
      JSON.stringify({ type: 'chat.synced', ...(ref === undefined ? {} : { ref }), messages: count }),
    );
  };

  const run = async (conn: Connection, msg: ChatClientMessage): Promise<void> => {
    switch (msg.type) {
      case 'chat.send': {
        const { message, duplicate } = await service.send(conn.userId, conn.deviceId, msg);
        replies.send(
          conn,
          JSON.stringify({
            type: 'chat.sent',
            ...(msg.id === undefined ? {} : { ref: msg.id }),
            conversation: message.conversationId,
            messageId: message.messageId,
            seq: message.seq,
            sentAt: message.sentAt,
            duplicate,
          }),
        );
        return;
      }
      case 'chat.receipt':
        await service.receipt(conn.userId, conn.deviceId, msg.conversation, msg.kind, msg.seq);
        if (msg.id !== undefined) replies.send(conn, ack(msg.id));
        return;
      case 'chat.typing': {
        const others = await service.othersOf(conn.userId, msg.conversation);
        const frame = JSON.stringify({
          type: 'chat.typing',
          conversation: msg.conversation,
          user: conn.userId,
          device: conn.deviceId,
        });
        hub.broadcast(others, frame);
        if (msg.id !== undefined) replies.send(conn, ack(msg.id));
        return;
      }
      case 'chat.delete':
        await service.deleteMessage(conn.userId, msg.conversation, msg.messageId);
        if (msg.id !== undefined) replies.send(conn, ack(msg.id));
        return;
      case 'chat.sync':
        await sync(conn, msg.id);
        return;
      default:
        assertNever(msg);
    }
  };

  return {
    handle(conn, msg) {
      return run(conn, msg).catch((err: unknown) => {
        if (err instanceof HttpError) {
          replies.error(conn, err.code, err.message, msg.id);
          return;
        }
        log.error({ err, type: msg.type, user: conn.userId }, 'chat frame failed');
        replies.error(conn, ErrorCode.internal, 'internal error', msg.id);
      });
    },
  };
}
