import type { ChatClientMessage } from '@hypersend/protocol';
import type { Connection } from '../ws/connection.ts';

/**
 * What the WebSocket message handler hands `chat.*` frames to (implemented by `chat-ws.ts`).
 * Like the signal router it returns a promise only when it had to wait, so later frames of the
 * same connection queue behind it and stay in order.
 *
 * @example
 * const pending = chat.handle(conn, { type: 'chat.typing', conversation: 'c1' });
 */
export interface ChatFrameHandler {
  handle(conn: Connection, msg: ChatClientMessage): Promise<void> | undefined;
}
