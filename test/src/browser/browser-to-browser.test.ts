// Two Chromium contexts (two users, separate IndexedDB and OPFS) exchange files over the browser's
// own WebRTC and chat (end-to-end encrypted messages, read receipts); the in-memory receive
// fallback refuses an oversize offer before any byte, typed.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WatchedPage } from '../fixtures/chromium.ts';
import { randomUsername } from '../helpers/users.ts';
import { type BrowserLab, startBrowserLab } from './browser-harness.ts';
import { PASSWORD, type StartedClient, type TestWindow } from './page-api.ts';

let lab: BrowserLab;
let alice: WatchedPage & { user: string; me: StartedClient };
let bob: WatchedPage & { user: string; me: StartedClient };

async function signUp(user: string): Promise<WatchedPage & { user: string; me: StartedClient }> {
  const tab = await lab.newPage();
  const me = await tab.page.evaluate((o) => (window as unknown as TestWindow).hsTest.start(o), {
    serverUrl: lab.signaling.url,
    username: user,
    password: PASSWORD,
    register: true,
  });
  return { ...tab, user, me };
}

/** `from` sends `size` random bytes to `to`, which accepts into `target`; returns both sides' view. */
async function exchange(
  from: typeof alice,
  to: typeof alice,
  name: string,
  size: number,
  target: string,
): Promise<{
  sent: string;
  received: { ok: true; sha256: string; size: number } | { ok: false; code: string };
}> {
  const received = to.page.evaluate(
    async ({ name, target }) => {
      const w = window as unknown as TestWindow;
      const offer = await w.hsTest.waitOffer(30_000);
      try {
        await w.hs.acceptInto(offer, target).result;
      } catch (err) {
        return { ok: false as const, code: String((err as { code?: string }).code) };
      }
      const file: File = await w.hs.readReceivedFile(target, name);
      return { ok: true as const, size: file.size, sha256: await w.hsTest.sha256Of(file) };
    },
    { name, target },
  );
  const sent = await from.page.evaluate(
    async ({ to, name, size }) => {
      const w = window as unknown as TestWindow;
      const { file, sha256 } = await w.hsTest.randomFile(name, size);
      try {
        await w.hs.sendFiles(w.hsTest.client, to, [file]).result;
        return sha256;
      } catch (err) {
        console.error('send failed', String(err), (err as Error).stack, String((err as Error).cause));
        return `failed:${String((err as { code?: string }).code)}`;
      }
    },
    { to: to.user, name, size },
  );
  return { sent, received: await received };
}

beforeAll(async () => {
  lab = await startBrowserLab();
  [alice, bob] = await Promise.all([signUp(randomUsername('ann')), signUp(randomUsername('ben'))]);
  await alice.page.evaluate(
    (u) => (window as unknown as TestWindow).hsTest.client.contacts.request(u),
    bob.user,
  );
  await bob.page.evaluate(
    (id) => (window as unknown as TestWindow).hsTest.client.contacts.accept(id),
    alice.me.userId,
  );
}, 120_000);
afterEach(async (ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  await alice?.saveArtifacts(`b2b-alice-${ctx.task.name}`);
  await bob?.saveArtifacts(`b2b-bob-${ctx.task.name}`);
});
afterAll(async () => {
  await lab?.close();
});

describe('two browsers', () => {
  it('exchange files both ways (OPFS): hashes equal', async () => {
    const ab = await exchange(alice, bob, 'a-to-b.bin', 2 * 1024 * 1024 + 7, 'inbox');
    expect(ab.received).toEqual({ ok: true, size: 2 * 1024 * 1024 + 7, sha256: ab.sent });
    const ba = await exchange(bob, alice, 'b-to-a.bin', 1024 * 1024 - 3, 'inbox');
    expect(ba.received).toEqual({ ok: true, size: 1024 * 1024 - 3, sha256: ba.sent });
  }, 55_000);

  it('chat: a message arrives decrypted, the reply too, and the sender sees it read', async () => {
    const marker = `hello ${Date.now()} <b>&amp;</b>`;
    const sent = await alice.page.evaluate(
      async ({ bobId, marker }) => {
        const w = window as unknown as TestWindow;
        const conv = await w.hsTest.client.chat.create([bobId]);
        const s = await w.hsTest.client.chat.send(conv.id, marker);
        return { conversation: conv.id as string, seq: s.seq as number };
      },
      { bobId: bob.me.userId, marker },
    );
    const atBob = await bob.page.evaluate(async ({ conversation, seq }) => {
      const w = window as unknown as TestWindow;
      const m = await w.hsTest.until(
        'the message',
        (t) => t.messages.find((x) => x.conversation === conversation && x.seq === seq),
        20_000,
      );
      await w.hsTest.client.chat.markRead(conversation, seq);
      await w.hsTest.client.chat.send(conversation, 'reply from bob');
      return m;
    }, sent);
    expect(atBob).toMatchObject({ kind: 'text', text: marker, outgoing: false });
    const atAlice = await alice.page.evaluate(
      async ({ conversation, seq, bobId }) => {
        const w = window as unknown as TestWindow;
        const reply = await w.hsTest.until(
          'the reply',
          (t) => t.messages.find((x) => x.conversation === conversation && x.text === 'reply from bob'),
          20_000,
        );
        const receipt = await w.hsTest.until(
          'the read receipt',
          (t) => t.receipts.find((r) => r.conversation === conversation && r.user === bobId && r.read >= seq),
          20_000,
        );
        return { reply, read: receipt.read };
      },
      { ...sent, bobId: bob.me.userId },
    );
    expect(atAlice.reply).toMatchObject({ kind: 'text', outgoing: false });
    expect(atAlice.read).toBeGreaterThanOrEqual(sent.seq);
  }, 55_000);

  it('the in-memory fallback refuses an offer over its cap with payload_too_large, before any byte', async () => {
    await bob.page.evaluate(() =>
      (window as unknown as TestWindow).hs.receiveTargets.useMemory('tiny', 1 << 20),
    );
    const r = await exchange(alice, bob, 'too-big.bin', (1 << 20) + 1, 'tiny');
    expect(r.received).toEqual({ ok: false, code: 'payload_too_large' });
    expect(r.sent).toBe('failed:declined');
    // Under the cap, the same target works and hands the file back from memory.
    const ok = await exchange(alice, bob, 'fits.bin', 300_000, 'tiny');
    expect(ok.received).toEqual({ ok: true, size: 300_000, sha256: ok.sent });
  }, 55_000);
});
