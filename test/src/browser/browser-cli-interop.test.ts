// Real Chromium (the SDK bundle, the browser's RTCPeerConnection) and the real Node CLI
// (@roamhq/wrtc, node:crypto backend) exchange files both ways over WebRTC: hashes equal; a
// default send negotiates 255 KiB chunks both ways (both stacks advertise 256 KiB messages), and
// explicit chunk sizes are checked against both ends' maxMessageSize.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killAll, Peer } from '../cli/cli-harness.ts';
import type { WatchedPage } from '../fixtures/chromium.ts';
import { randomUsername } from '../helpers/users.ts';
import { type BrowserLab, startBrowserLab } from './browser-harness.ts';
import { PASSWORD, type TestWindow } from './page-api.ts';

const SIZE = 3 * 1024 * 1024 + 12_345; // a few MB, not a multiple of the chunk size
/** What libwebrtc's 256 KiB `a=max-message-size` leaves for a chunk (FORMAT.md §6). */
const NEGOTIATED = 255 * 1024;

let lab: BrowserLab;
let cli: Peer;
let tab: WatchedPage;
let browserUser: string;

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  lab = await startBrowserLab();
  cli = await Peer.create(lab.signaling.url, randomUsername('cli'));
  browserUser = randomUsername('web');
  tab = await lab.newPage();
  await Promise.all([
    cli.ok(['register', cli.username]),
    tab.page.evaluate((o) => (window as unknown as TestWindow).hsTest.start(o), {
      serverUrl: lab.signaling.url,
      username: browserUser,
      password: PASSWORD,
      register: true,
    }),
  ]);
  await tab.page.evaluate(
    (u) => (window as unknown as TestWindow).hsTest.client.contacts.request(u),
    cli.username,
  );
  await cli.ok(['contacts', 'accept', browserUser]);
}, 120_000);
afterEach(async (ctx) => {
  killAll();
  if (ctx.task.result?.state === 'fail') await tab?.saveArtifacts(`interop-${ctx.task.name}`);
});
afterAll(async () => {
  killAll();
  await cli?.cleanup();
  await lab?.close();
});

describe('Chromium ↔ Node CLI', () => {
  it('browser sends a file to a CLI receiver: 255 KiB chunks negotiated, hashes equal', async () => {
    const dir = await mkdtemp(join(cli.home, 'in-'));
    const rx = cli.spawn(['receive', '--yes', '--dir', dir, '--json'], { timeoutMs: 50_000 });
    await rx.waitFor(/waiting for an offer|"event":"ready"/u);
    const sent = await tab.page.evaluate(
      async ({ to, size }) => {
        const w = window as unknown as TestWindow;
        const { file, sha256 } = await w.hsTest.randomFile('from-browser.bin', size);
        const t = w.hs.sendFiles(w.hsTest.client, to, [file]);
        const result = await t.result;
        return { sha256, bytes: result.bytes as number, chunkSize: t.chunkSize as number | undefined };
      },
      { to: cli.username, size: SIZE },
    );
    expect(sent.bytes).toBe(SIZE);
    const r = await rx.done;
    expect(r.code, r.stderr).toBe(0);
    // A default send asked the CLI for its limit before the offer: more than 64 KiB, both ends agree.
    expect(sent.chunkSize).toBe(NEGOTIATED);
    expect(r.stdout).toMatch(new RegExp(`"event":"connected"[^\n]*"chunkSize":${NEGOTIATED}`, 'u'));
    expect(sha256(await readFile(join(dir, 'from-browser.bin')))).toBe(sent.sha256);
  }, 55_000);

  it("chunk size against both ends' maxMessageSize: 240 KiB chunks fit, 512 KiB fail typed on both ends", async () => {
    const send = async (name: string, chunkSize: number) => {
      const dir = await mkdtemp(join(cli.home, 'in-'));
      const rx = cli.spawn(['receive', '--yes', '--dir', dir, '--json'], { timeoutMs: 50_000 });
      await rx.waitFor(/"event":"ready"/u);
      const sent = await tab.page.evaluate(
        async ({ to, name, chunkSize }) => {
          const w = window as unknown as TestWindow;
          const { file, sha256 } = await w.hsTest.randomFile(name, 1_000_003);
          try {
            await w.hs.sendFiles(w.hsTest.client, to, [file], { chunkSize }).result;
            return { ok: true as const, sha256 };
          } catch (err) {
            return { ok: false as const, code: String((err as { code?: string }).code) };
          }
        },
        { to: cli.username, name, chunkSize },
      );
      return { sent, rx: await rx.done, file: join(dir, name) };
    };
    // Both ends are libwebrtc (Chromium, @roamhq/wrtc): 256 KiB messages, so 240 KiB chunks fit.
    const fits = await send('big-chunks.bin', 240 * 1024);
    expect(fits.sent.ok && fits.rx.code).toBe(0);
    expect(fits.sent).toEqual({ ok: true, sha256: sha256(await readFile(fits.file)) });
    // 512 KiB frames exceed the channel: refused before any chunk, with a stable code at both ends.
    const tooBig = await send('too-big-chunks.bin', 512 * 1024);
    expect(tooBig.sent).toEqual({ ok: false, code: 'unsupported' });
    expect(tooBig.rx.code).not.toBe(0);
    expect(tooBig.rx.stdout + tooBig.rx.stderr).toMatch(/unsupported/u);
  }, 55_000);

  it('CLI sends a file to the browser (OPFS), 255 KiB chunks negotiated: hashes equal on what the browser wrote and downloads', async () => {
    const src = join(cli.home, 'from-cli.bin');
    const bytes = randomBytes(SIZE);
    await writeFile(src, bytes);
    const received = tab.page.evaluate(async () => {
      const w = window as unknown as TestWindow;
      const offer = await w.hsTest.waitOffer(30_000);
      const t = w.hs.acceptInto(offer, 'inbox');
      const result = await t.result;
      const file: File = await w.hs.readReceivedFile('inbox', 'from-cli.bin');
      return {
        bytes: result.bytes as number,
        size: file.size,
        sha256: await w.hsTest.sha256Of(file),
        chunkSize: t.chunkSize as number | undefined,
      };
    });
    const tx = await cli.run(['send', src, '--to', browserUser, '--json'], { timeoutMs: 50_000 });
    expect(tx.code, tx.stderr).toBe(0);
    const got = await received;
    expect(got.size).toBe(SIZE);
    // The browser answered the CLI's chunk-size query with Chromium's limit: 255 KiB both ways.
    expect(got.chunkSize).toBe(NEGOTIATED);
    expect(tx.stdout).toContain(`"chunkSize":${NEGOTIATED}`);
    expect(tx.stdout).toContain(`"chunks":${Math.ceil(SIZE / NEGOTIATED)}`);
    expect(got.sha256).toBe(sha256(bytes));
    // And the download link hands the user the same bytes.
    const [download] = await Promise.all([
      tab.page.waitForEvent('download', { timeout: 15_000 }),
      tab.page.evaluate(() =>
        (window as unknown as TestWindow).hs.downloadReceivedFile('inbox', 'from-cli.bin'),
      ),
    ]);
    expect(download.suggestedFilename()).toBe('from-cli.bin');
    expect(sha256(await readFile(await download.path()))).toBe(sha256(bytes));
    // Deleting it frees the OPFS space.
    const gone = await tab.page.evaluate(async () => {
      const w = window as unknown as TestWindow;
      await w.hs.deleteReceivedFile('inbox', 'from-cli.bin');
      return w.hs.readReceivedFile('inbox', 'from-cli.bin').then(
        () => 'still there',
        (e: { code?: string }) => String(e.code),
      );
    });
    expect(gone).toBe('not_found');
  }, 55_000);
});
