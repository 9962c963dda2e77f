import { join } from 'node:path';
import type { Logger } from 'pino';
import type { SignalingConfig } from '../config.ts';
import type { Store } from './store.ts';

/** The connection string without its user and password, for logs. */
export function redactMongoUri(uri: string): string {
  return uri.replace(/^(mongodb(?:\+srv)?:\/\/)[^@/]*@/, '$1[redacted]@');
}

/**
 * Open the store the configuration asks for: MongoDB when `MONGODB_URI` is set, otherwise the
 * embedded SQLite file `<HYPERSEND_DATA_DIR>/hypersend.db`. Each implementation is imported only
 * when chosen, so a SQLite deployment never loads the MongoDB driver and vice versa.
 *
 * @example
 * const store = await openStore(loadConfig(process.env), log);
 */
export async function openStore(config: SignalingConfig, log: Logger): Promise<Store> {
  const storeLog = log.child({ component: 'store' });
  if (config.mongo) {
    const { createMongoStore } = await import('./mongo-store.ts');
    const store = await createMongoStore({ uri: config.mongo.uri, db: config.mongo.db, log: storeLog });
    storeLog.info(
      { kind: store.kind, uri: redactMongoUri(config.mongo.uri), db: config.mongo.db },
      'store open',
    );
    return store;
  }
  const { createSqliteStore } = await import('./sqlite-store.ts');
  const path = join(config.dataDir, 'hypersend.db');
  const store = createSqliteStore({ path });
  storeLog.info({ kind: store.kind, path }, 'store open');
  return store;
}
