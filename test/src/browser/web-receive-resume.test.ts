// The web app, reloaded while receiving: after logging in again, the CLI's re-offer of the same
// transfer says "Resuming at N%", its button is Resume (no folder to pick), and the transfer
// completes hash-equal into the same OPFS folder. (The SDK side, counts of resent chunks and the
// progress store are tested in browser-receive-resume.test.ts.)
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killAll, Peer } from '../cli/cli-harness.ts';
import type { WatchedPage } from '../fixtures/chromium.ts';
import { randomUsername } from '../helpers/users.ts';
import { startWebStack, type WebStack } from '../web/web-stack.ts';

const PASSWORD = 'correct horse battery staple';
const UI_TIMEOUT = 30_000;
const MiB = 1024 * 1024;
const SIZE = 32 * MiB + 99;

let stack: WebStack;
let tab: WatchedPage;
let cli: Peer;
const bobName = randomUsername('webbob');

async function signIn(page: Page, button: 'Create account' | 'Log in'): Promise<void> {
  await page.getByLabel('Username').fill(bobName);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: button }).click();
  await page.locator('#connection[data-state="online"]').waitFor({ timeout: UI_TIMEOUT });
}

/** The durable progress of `transferId` as the SDK recorded it (IndexedDB, read directly). */
function durableBytes(page: Page): Promise<{ transferId: string; bytes: number } | undefined> {
  return page.evaluate(
    () =>
      new Promise<{ transferId: string; bytes: number } | undefined>((resolve, reject) => {
        const open = indexedDB.open('hypersend-transfers', 1);
        open.onupgradeneeded = () => open.result.createObjectStore('progress');
        open.onsuccess = () => {
          const req = open.result.transaction('progress').objectStore('progress').getAll();
          req.onsuccess = () => {
            open.result.close();
            const e = req.result[0] as
              | { record: { transferId: string; nextChunk: number; chunkSize: number } }
              | undefined;
            resolve(e && { transferId: e.record.transferId, bytes: e.record.nextChunk * e.record.chunkSize });
          };
          req.onerror = () => reject(req.error);
        };
        open.onerror = () => reject(open.error);
      }),
  );
}

beforeAll(async () => {
  stack = await startWebStack();
  tab = await stack.openApp();
  cli = await Peer.create(stack.signaling.url, randomUsername('cli'));
  await Promise.all([cli.ok(['register', cli.username]), signIn(tab.page, 'Create account')]);
  await cli.ok(['contacts', 'add', bobName]);
  await tab.page.getByRole('button', { name: `Accept ${cli.username}` }).click({ timeout: UI_TIMEOUT });
  await tab.page
    .locator(`li[data-username="${cli.username}"][data-state="accepted"]`)
    .waitFor({ timeout: UI_TIMEOUT });
}, 180_000);
afterEach(async (ctx) => {
  killAll();
  if (ctx.task.result?.state === 'fail') await tab?.saveArtifacts(`web-resume-${ctx.task.name}`);
});
afterAll(async () => {
  killAll();
  await cli?.cleanup();
  await stack?.close();
});

describe('web app: receiving resumes after a reload', () => {
  it('the re-offer shows "Resuming at N%", Resume continues without a folder prompt, hash equal', async () => {
    const src = join(cli.home, 'web-resume.bin');
    const bytes = randomBytes(SIZE);
    await writeFile(src, bytes);
    // `--relay never`: this stack has a relay, and with the fallback allowed 2 of 5 runs here saw
    // no re-offer on the reloaded page within 60 s (the CLI silent after its first progress line);
    // not yet explained, and the peer path is what this test is about.
    const tx = cli.spawn(['send', src, '--to', bobName, '--json', '--limit-rate', '6M', '--relay', 'never'], {
      timeoutMs: 150_000,
    });
    const page = tab.page;
    await page
      .getByRole('button', { name: `Accept files from ${cli.username}` })
      .click({ timeout: UI_TIMEOUT });

    // Mid-flight, with some bytes durable in this browser: reload.
    const end = Date.now() + 60_000;
    let before = await durableBytes(page);
    while (before === undefined || before.bytes < 4 * MiB) {
      if (Date.now() > end) throw new Error(`no durable progress within 60 s: ${JSON.stringify(before)}`);
      await new Promise((r) => setTimeout(r, 100));
      before = await durableBytes(page);
    }
    expect(before.bytes).toBeLessThan(SIZE);
    const reloadAt = Date.now();
    await page.reload();
    await signIn(page, 'Log in');
    const onlineAfterMs = Date.now() - reloadAt;

    const offer = page.locator(`li.offer[data-sender="${cli.username}"][data-resuming]`);
    await offer.waitFor({ timeout: 60_000 }).catch(async (err: unknown) => {
      tx.child.kill('SIGINT');
      const r = await tx.done;
      throw new Error(
        `no resumable re-offer shown (${String(err)}; online again ${onlineAfterMs} ms after the reload); the CLI said:\n${r.stdout}\n${r.stderr}`,
      );
    });
    const note = (await offer.locator('.offer-resume').textContent()) ?? '';
    const percent = Number(/Resuming at (\d+)%/u.exec(note)?.[1]);
    expect(percent).toBeGreaterThanOrEqual(Math.floor((before.bytes / SIZE) * 100));
    expect(percent).toBeLessThan(100);
    await offer.getByRole('button', { name: `Resume files from ${cli.username} at ${percent}%` }).click();

    await page.locator('li.transfer[data-state="done"]').waitFor({ timeout: 90_000 });
    const sent = await tx.done;
    expect(sent.code, sent.stderr).toBe(0);
    // Received into the same per-transfer OPFS folder the first page used.
    const got = await page.evaluate(async (id) => {
      const opfs = await navigator.storage.getDirectory();
      const dir = await (await opfs.getDirectoryHandle('received')).getDirectoryHandle(id);
      const file = await (await dir.getFileHandle('web-resume.bin')).getFile();
      const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
      return {
        size: file.size,
        sha256: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join(''),
      };
    }, before.transferId);
    expect(got.size).toBe(SIZE);
    expect(got.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(await page.locator('a.save-link').first().getAttribute('download')).toBe('web-resume.bin');
  }, 150_000);
});
