import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { openStore, redactMongoUri } from './open-store.ts';

const log = createLogger('silent');
const dir = mkdtempSync(join(tmpdir(), 'hypersend-open-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openStore', () => {
  it('opens SQLite in the data directory when no MONGODB_URI is set', async () => {
    const store = await openStore(loadConfig({ HYPERSEND_DATA_DIR: join(dir, 'data') }), log);
    expect(store.kind).toBe('sqlite');
    await store.ping();
    await store.close();
  });

  it('opens MongoDB when MONGODB_URI is set', async () => {
    const db = `hypersend_open_${process.pid}`;
    const store = await openStore(loadConfig({ MONGODB_URI: inject('mongodbUri'), MONGODB_DB: db }), log);
    expect(store.kind).toBe('mongodb');
    await store.ping();
    await store.close();
    const client = new MongoClient(inject('mongodbUri'));
    await client.db(db).dropDatabase();
    await client.close();
  });

  it('redacts credentials from a MongoDB URI', () => {
    expect(redactMongoUri('mongodb://alice:s3cret@db.example:27017/x')).toBe(
      'mongodb://[redacted]@db.example:27017/x',
    );
    expect(redactMongoUri('mongodb+srv://a:b@cluster0.example/')).toBe(
      'mongodb+srv://[redacted]@cluster0.example/',
    );
    expect(redactMongoUri('mongodb://127.0.0.1:27017/')).toBe('mongodb://127.0.0.1:27017/');
  });
});
