import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type HypersendClient, HypersendError } from '@hypersend/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { befriend, eventually, type SdkUser, sdkUser } from '../sdk/sdk-fixtures.ts';
import { inbox, secondDevice, waitFor } from './chat-fixtures.ts';

// Two real SDK users (Alice with two devices) over a real signaling server on port 0.
describe('chat end to end: SDK clients over a real server', () => {
  let server: TestServer;
  let alice: SdkUser;
  let bob: SdkUser;
  let alicePhone: HypersendClient;
  const MARKER = `plaintext-marker-${Math.random().toString(36).slice(2)}`;

  beforeAll(async () => {
    server = await startTestServer();
    alice = await sdkUser(server, { prefix: 'alice' });
    bob = await sdkUser(server, { prefix: 'bob' });
    await befriend(alice, bob);
    alicePhone = await secondDevice(server, alice);
    await Promise.all([alice.client.connect(), bob.client.connect(), alicePhone.connect()]);
  });

  /** A new group of Alice and Bob (the direct conversation is one per pair). */
  const fresh = () => alice.client.chat.create([bob.client.me!.userId], { title: 'test' });

  afterAll(async () => {
    alice?.client.close();
    bob?.client.close();
    alicePhone?.close();
    await server?.close();
  });

  it('delivers a message to the recipient and to the sender’s other device, decrypted', async () => {
    const bobGot = inbox(bob.client);
    const phoneGot = inbox(alicePhone);
    const conv = await alice.client.chat.create([bob.client.me!.userId]);
    expect(conv.kind).toBe('direct');
    const sent = await alice.client.chat.send(conv.id, `hello ${MARKER}`);
    expect(sent).toMatchObject({ duplicate: false, devices: 3 });

    const [atBob] = await waitFor(bobGot, 1, (m) => m.kind === 'text');
    expect(atBob).toMatchObject({ text: `hello ${MARKER}`, outgoing: false, seq: sent.seq });
    expect(atBob!.failure).toBeUndefined();
    const [atPhone] = await waitFor(phoneGot, 1, (m) => m.kind === 'text');
    expect(atPhone).toMatchObject({ text: `hello ${MARKER}`, outgoing: true, seq: sent.seq });
    // The same direct conversation comes back when Bob "creates" it.
    expect((await bob.client.chat.create([alice.client.me!.userId])).id).toBe(conv.id);
  });

  it('stores a repeated client message id once', async () => {
    const conv = await fresh();
    const first = await alice.client.chat.send(conv.id, 'once', { messageId: 'm_retry-1' });
    const again = await alice.client.chat.send(conv.id, 'once', { messageId: 'm_retry-1' });
    expect(again).toMatchObject({ duplicate: true, seq: first.seq });
    const page = await bob.client.chat.history(conv.id, { after: first.seq - 1 });
    expect(page.messages.filter((m) => m.messageId === 'm_retry-1')).toHaveLength(1);
  });

  it('an offline device catches up in order, exactly once, after reconnecting', async () => {
    const conv = await fresh();
    const got = inbox(bob.client);
    bob.client.disconnect();
    const texts = Array.from({ length: 7 }, (_, i) => `offline ${i}`);
    for (const t of texts) await alice.client.chat.send(conv.id, t);
    await bob.client.connect();
    const caught = await waitFor(got, texts.length, (m) => m.conversation === conv.id && m.kind === 'text');
    expect(caught.map((m) => m.text)).toEqual(texts);
    expect(caught.map((m) => m.seq)).toEqual([...caught.map((m) => m.seq)].sort((a, b) => a - b));

    // Delivered receipts reach the server; a reconnect then replays nothing from this conversation.
    await new Promise((r) => setTimeout(r, 300));
    bob.client.disconnect();
    await bob.client.connect();
    await new Promise((r) => setTimeout(r, 300));
    expect(got.filter((m) => m.conversation === conv.id && m.kind === 'text')).toHaveLength(texts.length);
  });

  it('a fresh process on the same device resumes after the last acknowledged message', async () => {
    const conv = await fresh();
    await alice.client.chat.send(conv.id, 'seen before');
    const got = inbox(bob.client);
    await waitFor(got, 1, (m) => m.conversation === conv.id && m.kind === 'text');
    await new Promise((r) => setTimeout(r, 400)); // the batched delivered receipt goes out
    bob.client.close();

    await alice.client.chat.send(conv.id, 'while away');
    const restarted = await secondDevice(server, bob, bob.identityStore);
    const after = inbox(restarted);
    await restarted.connect();
    await eventually(() => after.some((m) => m.text === 'while away'), 10_000, 'catch-up');
    expect(after.filter((m) => m.conversation === conv.id && m.kind === 'text').map((m) => m.text)).toEqual([
      'while away',
    ]);
    restarted.close();
    bob.client = await secondDevice(server, bob, bob.identityStore);
    await bob.client.connect();
  });

  it('cumulative delivered and read receipts reach the sender', async () => {
    const conv = await fresh();
    const receipts: Array<{ user: string; delivered: number; read: number }> = [];
    alice.client.chat.on('receipt', (r) => {
      if (r.conversation === conv.id) receipts.push(r);
    });
    const sent = await alice.client.chat.send(conv.id, 'read me');
    const bobId = bob.client.me!.userId;
    await eventually(
      () => receipts.some((r) => r.user === bobId && r.delivered >= sent.seq),
      10_000,
      'delivered',
    );
    await bob.client.chat.markRead(conv.id, sent.seq);
    await eventually(() => receipts.some((r) => r.user === bobId && r.read >= sent.seq), 10_000, 'read');
    const info = await alice.client.chat.get(conv.id);
    expect(info.members.find((m) => m.userId === bobId)).toMatchObject({
      delivered: sent.seq,
      read: sent.seq,
    });
  });

  it('typing indicators reach the other member and are never stored', async () => {
    const conv = await fresh();
    const typing: string[] = [];
    bob.client.chat.on('typing', (t) => {
      if (t.conversation === conv.id) typing.push(t.user);
    });
    await alice.client.chat.typing(conv.id);
    await eventually(() => typing.length > 0, 5_000, 'typing');
    expect(typing[0]).toBe(alice.client.me!.userId);
    expect((await bob.client.chat.history(conv.id)).messages.map((m) => m.kind)).toEqual(['system']);
  });

  it('deletes for everyone, leaving a tombstone', async () => {
    const conv = await fresh();
    const deleted: string[] = [];
    bob.client.chat.on('deleted', (d) => deleted.push(d.messageId));
    const sent = await alice.client.chat.send(conv.id, 'oops');
    await expect(bob.client.chat.deleteMessage(conv.id, sent.messageId)).rejects.toMatchObject({
      code: 'forbidden',
    });
    await alice.client.chat.deleteMessage(conv.id, sent.messageId);
    await eventually(() => deleted.includes(sent.messageId), 5_000, 'deleted event');
    const [tomb] = (await bob.client.chat.history(conv.id, { after: sent.seq - 1 })).messages;
    expect(tomb).toMatchObject({ seq: sent.seq, messageId: sent.messageId });
    expect(tomb!.deletedAt).toBeGreaterThan(0);
    expect(tomb!.text).toBeUndefined();
  });

  it('pages history by sequence in both directions', async () => {
    const conv = await fresh();
    const sent = [];
    for (let i = 0; i < 5; i++) sent.push(await alice.client.chat.send(conv.id, `page ${i}`));
    const seqs = sent.map((s) => s.seq); // after the `created` system message (seq 1)
    const newest = await bob.client.chat.history(conv.id, { limit: 2 });
    expect(newest.messages.map((m) => m.text)).toEqual(['page 3', 'page 4']);
    expect(newest.more).toBe(true);
    const older = await bob.client.chat.history(conv.id, { before: newest.messages[0]!.seq, limit: 2 });
    expect(older.messages.map((m) => m.text)).toEqual(['page 1', 'page 2']);
    const oldest = await bob.client.chat.history(conv.id, { before: older.messages[0]!.seq, limit: 2 });
    expect(oldest.messages.map((m) => m.kind)).toEqual(['system', 'text']);
    expect(oldest.more).toBe(false);
    const forward = await bob.client.chat.history(conv.id, { after: seqs[0]!, limit: 3 });
    expect(forward.messages.map((m) => m.seq)).toEqual(seqs.slice(1, 4));
    expect(forward.more).toBe(true);
    const err = await bob.client.chat.history(conv.id, { limit: 101 }).catch((e: unknown) => e);
    expect(HypersendError.is(err, 'bad_request')).toBe(true);
  });

  it('posts a file offer: transfer id in clear, summary encrypted', async () => {
    const conv = await fresh();
    const got = inbox(bob.client);
    const summary = { names: ['report.pdf'], size: 1234, files: 1 };
    await alice.client.chat.sendFileOffer(conv.id, 't_offer1', summary);
    const [offer] = await waitFor(got, 1, (m) => m.conversation === conv.id && m.kind === 'file');
    expect(offer!.file).toEqual({ transferId: 't_offer1', summary });
  });

  it('membership changes arrive as typed events; a removed member loses access', async () => {
    const conv = await fresh();
    const events: string[] = [];
    bob.client.chat.on('membership', (m) => {
      if (m.conversation === conv.id) events.push(m.event.event);
    });
    await alice.client.chat.rename(conv.id, 'Renamed');
    await eventually(() => events.includes('renamed'), 5_000, 'renamed event');
    await alice.client.chat.removeMember(conv.id, bob.client.me!.userId);
    await eventually(() => events.includes('removed'), 5_000, 'removed event');
    const err = await bob.client.chat.history(conv.id).catch((e: unknown) => e);
    expect(HypersendError.is(err, 'not_found')).toBe(true);
    const sendErr = await bob.client.chat.send(conv.id, 'still here?').catch((e: unknown) => e);
    expect(HypersendError.is(sendErr, 'not_found')).toBe(true);
    expect((await alice.client.chat.get(conv.id)).members.map((m) => m.userId)).toEqual([
      alice.client.me!.userId,
    ]);
  });

  it('a device added later sees earlier messages as not encrypted for it, without error events', async () => {
    const conv = await fresh();
    await alice.client.chat.send(conv.id, 'before the tablet');
    const tablet = await secondDevice(server, bob);
    const got = inbox(tablet);
    const errors: string[] = [];
    tablet.chat.on('error', (e) => errors.push(e.error.code));
    try {
      await tablet.connect();
      const [old] = await waitFor(got, 1, (m) => m.conversation === conv.id && m.kind === 'text');
      expect(old).toMatchObject({ failure: 'not_found' });
      expect(old!.text).toBeUndefined();
      expect(errors).toEqual([]);
    } finally {
      tablet.close();
    }
  });

  it('refuses an over-long body with payload_too_large before sending', async () => {
    const conv = await fresh();
    const err = await alice.client.chat.send(conv.id, 'x'.repeat(5000)).catch((e: unknown) => e);
    expect(HypersendError.is(err, 'payload_too_large')).toBe(true);
  });

  it('the store holds no plaintext: a byte scan of the database finds no marker', async () => {
    // The marker was sent (and decrypted by Bob) in the first test.
    await alice.client.chat.send((await fresh()).id, MARKER);
    const files = readdirSync(server.dataDir).filter((f) => f.startsWith('hypersend.db'));
    expect(files).toContain('hypersend.db');
    let scanned = 0;
    for (const f of files) {
      const bytes = readFileSync(join(server.dataDir, f));
      scanned += bytes.length;
      expect(bytes.includes(MARKER)).toBe(false);
    }
    expect(scanned).toBeGreaterThan(0);
  });
});
