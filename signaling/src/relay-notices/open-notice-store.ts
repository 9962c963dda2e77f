import { join } from 'node:path';
import type { SignalingConfig } from '../config.ts';
import type { RelayNoticeStore } from './notice-store.ts';

/**
 * The notice store the configuration asks for: MongoDB (`relayNotices` collection) when
 * `MONGODB_URI` is set, otherwise `<HYPERSEND_DATA_DIR>/relay-notices.db`. Imported lazily so a
 * SQLite deployment never loads the MongoDB driver.
 *
 * @example
 * const notices = await openNoticeStore(config);
 */
export async function openNoticeStore(config: SignalingConfig): Promise<RelayNoticeStore> {
  if (config.mongo) {
    const { createMongoNoticeStore } = await import('./mongo-notice-store.ts');
    return createMongoNoticeStore({ uri: config.mongo.uri, db: config.mongo.db });
  }
  const { createSqliteNoticeStore } = await import('./sqlite-notice-store.ts');
  return createSqliteNoticeStore({ path: join(config.dataDir, 'relay-notices.db') });
}
