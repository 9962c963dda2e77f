import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { describeChatStoreContract } from '../../../signaling/src/chat/chat-store.contract.ts';
import { createMongoChatStore } from '../../../signaling/src/chat/mongo-chat-store.ts';
import { useMongoTestDb } from '../fixtures/mongo-test-db.ts';

const mongo = useMongoTestDb('hypersend_chat');

describeChatStoreContract('mongodb', () => createMongoChatStore({ uri: mongo.uri(), db: mongo.db }));

describe('mongo chat store specifics', () => {
  it('creates the (conversation, seq) and (conversation, client id) indexes at start-up', async () => {
    const first = await createMongoChatStore({ uri: mongo.uri(), db: mongo.db });
    const second = await createMongoChatStore({ uri: mongo.uri(), db: mongo.db });
    const client = new MongoClient(mongo.uri());
    try {
      const indexes = (await client.db(mongo.db).collection('chatMessages').listIndexes().toArray()).map(
        (i) => ({
          key: i.key as Record<string, number>,
          unique: i.unique === true,
        }),
      );
      expect(indexes).toEqual(
        expect.arrayContaining([
          { key: { conversationId: 1, seq: 1 }, unique: true },
          { key: { conversationId: 1, messageId: 1 }, unique: true },
        ]),
      );
    } finally {
      await client.close();
      await first.close();
      await second.close();
    }
  });
});
