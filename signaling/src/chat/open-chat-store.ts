import { join } from 'node:path';
import type { Logger } from 'pino';
import type { SignalingConfig } from '../config.ts';
import type { ChatStore } from './chat-store.ts';

/**
 * Open the chat store next to the main store: MongoDB (same database) when `MONGODB_URI` is set,
 * otherwise the embedded SQLite file `<HYPERSEND_DATA_DIR>/hypersend.db` through its own handle.
 *
 * @example
 * const chat = await openChatStore(config, log);
 */
export async function openChatStore(config: SignalingConfig, log: Logger): Promise<ChatStore> {
  if (config.mongo) {
    const { createMongoChatStore } = await import('./mongo-chat-store.ts');
    const store = await createMongoChatStore({ uri: config.mongo.uri, db: config.mongo.db });
    log.info({ kind: store.kind }, 'chat store open');
    return store;
  }
  const { createSqliteChatStore } = await import('./sqlite-chat-store.ts');
  const store = createSqliteChatStore({ path: join(config.dataDir, 'hypersend.db') });
  log.info({ kind: store.kind }, 'chat store open');
  return store;
}
