import type { HypersendClient } from '@hypersend/client';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useMongoTestDb } from '../fixtures/mongo-test-db.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { befriend, type SdkUser, sdkUser } from '../sdk/sdk-fixtures.ts';
import { inbox, secondDevice, waitFor } from './chat-fixtures.ts';

// The same chat over the MongoDB back end (FerretDB here): both of Bob's devices receive,
// concurrent sends get distinct sequence numbers in order, and no plaintext reaches the database.
describe('chat with the MongoDB store', () => {
  const mongo = useMongoTestDb('hypersend_chat_e2e');
  let server: TestServer;
  let alice: SdkUser;
  let bob: SdkUser;
  let bobTablet: HypersendClient;
  const MARKER = `mongo-marker-${Math.random().toString(36).slice(2)}`;

  beforeAll(async () => {
    server = await startTestServer({ MONGODB_URI: mongo.uri(), MONGODB_DB: mongo.db });
    alice = await sdkUser(server, { prefix: 'alice' });
    bob = await sdkUser(server, { prefix: 'bob' });
    await befriend(alice, bob);
    bobTablet = await secondDevice(server, bob);
    await Promise.all([alice.client.connect(), bob.client.connect(), bobTablet.connect()]);
  });

  afterAll(async () => {
    alice?.client.close();
    bob?.client.close();
    bobTablet?.close();
    await server?.close();
  });

  it('both devices of the recipient receive every message, in order, once', async () => {
    const onPhone = inbox(bob.client);
    const onTablet = inbox(bobTablet);
    const conv = await alice.client.chat.create([bob.client.me!.userId]);
    const texts = Array.from({ length: 6 }, (_, i) => `${MARKER} #${i}`);
    // Sent concurrently: the store numbers them without collisions.
    const sent = await Promise.all(texts.map((t) => alice.client.chat.send(conv.id, t)));
    expect(new Set(sent.map((s) => s.seq)).size).toBe(texts.length);
    for (const got of [onPhone, onTablet]) {
      const msgs = await waitFor(got, texts.length, (m) => m.conversation === conv.id && m.kind === 'text');
      expect(msgs.map((m) => m.seq)).toEqual([...sent.map((s) => s.seq)].sort((a, b) => a - b));
      expect(new Set(msgs.map((m) => m.text))).toEqual(new Set(texts));
    }
  });

  it('a scan of every chat collection finds no plaintext marker', async () => {
    const client = new MongoClient(mongo.uri());
    try {
      const db = client.db(mongo.db);
      const names = (await db.listCollections().toArray())
        .map((c) => c.name)
        .filter((n) => n.startsWith('chat'));
      expect(names).toEqual(expect.arrayContaining(['chatMessages', 'chatConversations', 'chatMembers']));
      let messages = 0;
      for (const name of names) {
        const docs = await db.collection(name).find({}).toArray();
        if (name === 'chatMessages') messages = docs.length;
        expect(JSON.stringify(docs)).not.toContain(MARKER);
      }
      expect(messages).toBeGreaterThanOrEqual(6);
    } finally {
      await client.close();
    }
  });
});
