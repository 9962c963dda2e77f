// The web app's main flows through its UI in real Chromium, against real signaling, relay and web
// server: two people register, become contacts, compare safety numbers, chat (live, with a read
// receipt) and send a file (accepted, hash equal). Hostile names render as text; the CSP holds.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../cli/cli-harness.ts';
import type { WatchedPage } from '../fixtures/chromium.ts';
import { postJson, randomKey, randomUsername } from '../helpers/users.ts';
import { startWebStack, type WebStack } from './web-stack.ts';

/** Kept after the run (gitignored): what the app looked like when the flows passed. */
const ARTIFACTS = join(ROOT, '.cache', 'artifacts', 'web');
const PASSWORD = 'correct horse battery staple';
const HOSTILE_NAME = '<img src=x onerror="window.__pwned=1">Mallory';
const HOSTILE_FILE = '<img src=x onerror=window.__pwned=2>.txt';
const UI_TIMEOUT = 30_000;

let stack: WebStack;
let firstSafetyNumber = '';
let alice: WatchedPage;
let bob: WatchedPage;
const aliceName = randomUsername('alice');
const bobName = randomUsername('bob');

beforeAll(async () => {
  stack = await startWebStack();
  [alice, bob] = await Promise.all([stack.openApp(), stack.openApp()]);
  for (const tab of [alice, bob]) {
    // A dialog would mean injected script ran (alert); fail loudly rather than hang.
    tab.page.on('dialog', (d) => {
      tab.consoleLines.push(`[dialog] ${d.message()}`);
      void d.dismiss();
    });
  }
}, 180_000);
afterEach(async (ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  await alice?.saveArtifacts(`web-${ctx.task.name}-alice`);
  await bob?.saveArtifacts(`web-${ctx.task.name}-bob`);
});
afterAll(async () => {
  await stack?.close();
});

async function register(page: Page, username: string, displayName: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel('Display name (new accounts, optional)').fill(displayName);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.locator('#connection[data-state="online"]').waitFor({ timeout: UI_TIMEOUT });
}

/** Register using the keyboard only: type, Tab through the fields, Enter on "Create account". */
async function registerWithKeyboard(page: Page, username: string, displayName: string): Promise<void> {
  await page.getByLabel('Username').focus();
  await page.keyboard.type(username);
  await page.keyboard.press('Tab');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Tab');
  await page.keyboard.type(displayName);
  await page.keyboard.press('Tab'); // "Log in"
  await page.keyboard.press('Tab'); // "Create account"
  const focused = await page.evaluate(() => {
    const el = document.activeElement as HTMLElement;
    return { text: el.textContent, outline: getComputedStyle(el).outlineStyle };
  });
  expect(focused).toEqual({ text: 'Create account', outline: 'solid' });
  await page.keyboard.press('Enter');
  await page.locator('#connection[data-state="online"]').waitFor({ timeout: UI_TIMEOUT });
}

/** Every form control and button on the page has an accessible name (label, text or aria-label). */
async function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('input, textarea, select, button, a[href]')]
      .filter((el) => {
        const labelled =
          ('labels' in el && (el as HTMLInputElement).labels?.length) ||
          el.getAttribute('aria-label')?.trim() ||
          (el.tagName !== 'INPUT' && el.tagName !== 'TEXTAREA' && el.textContent?.trim());
        return !labelled;
      })
      .map((el) => el.outerHTML.slice(0, 120)),
  );
}

/** Scripts injected through a name would set `window.__pwned`, add an `<img>` or open a dialog. */
async function expectNothingExecuted(tab: WatchedPage): Promise<void> {
  expect(await tab.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(await tab.page.locator('img').count()).toBe(0);
  expect(tab.consoleLines.filter((l) => l.startsWith('[dialog]'))).toEqual([]);
}

function rawGet(url: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('web app in Chromium', () => {
  it('shows a failed login with its stable error code', async () => {
    await alice.page.getByLabel('Username').fill(randomUsername('nobody'));
    await alice.page.getByLabel('Password').fill('wrong password 123');
    await alice.page.getByRole('button', { name: 'Log in' }).click();
    const banner = alice.page.locator('#error[data-code]');
    await banner.waitFor({ timeout: UI_TIMEOUT });
    expect(await banner.getAttribute('data-code')).toBe('unauthorized');
    expect(await banner.textContent()).toContain('[unauthorized]');
  });

  it('registers two people who become contacts; a hostile display name renders as text', async () => {
    await Promise.all([
      register(alice.page, aliceName, HOSTILE_NAME),
      registerWithKeyboard(bob.page, bobName, 'Bob'),
    ]);
    expect(await alice.page.locator('#whoami').textContent()).toContain(`${HOSTILE_NAME} (@${aliceName})`);

    await alice.page.getByLabel('Add a contact by username').fill(bobName);
    await alice.page.getByRole('button', { name: 'Add contact' }).click();
    await bob.page.getByRole('button', { name: `Accept ${aliceName}` }).click({ timeout: UI_TIMEOUT });
    const aliceRow = bob.page.locator(`li[data-username="${aliceName}"][data-state="accepted"]`);
    await aliceRow.waitFor({ timeout: UI_TIMEOUT });
    expect(await aliceRow.locator('.contact-name').textContent()).toBe(`${HOSTILE_NAME} (@${aliceName})`);
    await alice.page
      .locator(`li[data-username="${bobName}"][data-state="accepted"]`)
      .waitFor({ timeout: UI_TIMEOUT });
    await expectNothingExecuted(alice);
    await expectNothingExecuted(bob);
  });

  it('both sides show the same safety number; every control is labelled', async () => {
    await alice.page.getByRole('button', { name: `Open ${bobName}` }).click();
    await bob.page.getByRole('button', { name: `Open ${aliceName}` }).click();
    const numbers: string[] = [];
    for (const tab of [alice, bob]) {
      await tab.page.getByRole('button', { name: 'Show safety numbers' }).click();
      const out = tab.page.locator('ul.safety-numbers[data-ready="true"] output.safety-number');
      await out.waitFor({ timeout: UI_TIMEOUT });
      numbers.push((await out.textContent()) ?? '');
    }
    firstSafetyNumber = numbers[0] ?? '';
    expect(numbers[0]).toMatch(/^\d{5}( \d{5}){11}$/);
    expect(numbers[1]).toBe(numbers[0]);
    // The signed-in app with a contact open shows nearly every control there is.
    expect(await unlabelledControls(alice.page)).toEqual([]);
    expect(await unlabelledControls(bob.page)).toEqual([]);
  });

  it('a message arrives live and the sender sees it read', async () => {
    const text = `hello bob <b>not bold</b> ${randomBytes(4).toString('hex')}`;
    const box = alice.page.getByLabel(`Message to ${bobName} (Enter sends, Shift+Enter for a new line)`);
    await box.fill(text);
    await box.press('Enter');
    const received = bob.page.locator('li.message:not(.outgoing) .message-body', { hasText: text });
    await received.waitFor({ timeout: UI_TIMEOUT });
    expect(await received.textContent()).toBe(text);
    expect(await bob.page.locator('li.message b').count()).toBe(0);
    // The server's system event names the creator by the hostile display name: text as well.
    expect(await bob.page.locator('li.message.system .message-body').first().textContent()).toBe(
      `(${HOSTILE_NAME} started the conversation)`,
    );
    await alice.page
      .locator('li.message.outgoing', { hasText: text })
      .locator('.receipt[data-receipt="read"]')
      .waitFor({ timeout: UI_TIMEOUT });
  });

  it('a picked file is offered, accepted and arrives hash-equal; a screenshot is kept', async () => {
    const bytes = randomBytes(1024 * 1024 + 4321);
    const expected = createHash('sha256').update(bytes).digest('hex');
    await alice.page
      .getByLabel('Choose files, or drop them here')
      .setInputFiles({ name: 'report.bin', mimeType: 'application/octet-stream', buffer: bytes });
    await alice.page.getByRole('button', { name: `Send to ${bobName}` }).click();
    await bob.page
      .getByRole('button', { name: `Accept files from ${aliceName}` })
      .click({ timeout: UI_TIMEOUT });
    const done = bob.page.locator('li.transfer[data-role="receiver"][data-state="done"]');
    await done.waitFor({ timeout: 60_000 });
    await alice.page
      .locator('li.transfer[data-role="sender"][data-state="done"]')
      .waitFor({ timeout: UI_TIMEOUT });
    expect(await done.getAttribute('data-path')).toMatch(/^(direct|turn|relay)$/);
    expect(await done.locator('.figures').textContent()).toMatch(/MB\/s|KB\/s|B\/s/);
    // Saved the way a person saves it: the link's download, hashed from disk.
    const link = done.getByRole('link', { name: 'Save report.bin' });
    await link.waitFor({ timeout: UI_TIMEOUT });
    const [download] = await Promise.all([bob.page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('report.bin');
    const saved = await readFile((await download.path()) ?? '');
    expect(createHash('sha256').update(saved).digest('hex')).toBe(expected);

    // The offer is noted in the conversation on both sides, end-to-end encrypted like a text.
    for (const tab of [alice, bob])
      await tab.page
        .locator('li.message[data-kind="file"]', { hasText: 'Files: report.bin (1 file, 1.1 MB)' })
        .waitFor({ timeout: UI_TIMEOUT });

    await mkdir(ARTIFACTS, { recursive: true });
    await alice.page.screenshot({ path: join(ARTIFACTS, 'alice.png'), fullPage: true });
    await bob.page.screenshot({ path: join(ARTIFACTS, 'bob.png'), fullPage: true });
  });

  it('a dropped file with a hostile name renders as text, is declined, and executes nothing', async () => {
    // Dropped this time, as from a file manager.
    await alice.page.evaluate((name) => {
      const data = new DataTransfer();
      data.items.add(new File(['hi\n'], name, { type: 'text/plain' }));
      const zone = document.querySelector('.drop-zone');
      zone?.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    }, HOSTILE_FILE);
    expect(await alice.page.locator('p.chosen').textContent()).toContain(HOSTILE_FILE);
    await alice.page.getByRole('button', { name: `Send to ${bobName}` }).click();
    const offer = bob.page.locator(`li.offer[data-sender="${aliceName}"]`);
    await offer.waitFor({ timeout: UI_TIMEOUT });
    // The SDK replaces characters Windows cannot store (`<>:"|?*`) before the offer is shown.
    expect(await offer.locator('li.file-name').textContent()).toBe(
      `${HOSTILE_FILE.replace(/[<>]/g, '_')} (3 B)`,
    );
    await bob.page.getByRole('button', { name: `Decline files from ${aliceName}` }).click();
    const declined = alice.page.locator(
      'li.transfer[data-role="sender"][data-state="failed"][data-code="declined"]',
    );
    await declined.waitFor({ timeout: UI_TIMEOUT });
    expect(await declined.locator('.transfer-label').textContent()).toBe(`to ${bobName}: ${HOSTILE_FILE}`);
    await expectNothingExecuted(alice);
    await expectNothingExecuted(bob);
  });

  it('a file sent to a logged-out contact goes through the relay; after login it is offered, accepted and saved hash-equal', async () => {
    // Bob goes offline (logged out: his device keys stay in this browser's IndexedDB).
    await bob.page.getByRole('button', { name: 'Log out' }).click();
    await bob.page.getByLabel('Username').waitFor({ timeout: UI_TIMEOUT });
    const bytes = randomBytes(2 * 1024 * 1024 + 777);
    const expected = createHash('sha256').update(bytes).digest('hex');
    await alice.page
      .getByLabel('Choose files, or drop them here')
      .setInputFiles({ name: 'while-away.bin', mimeType: 'application/octet-stream', buffer: bytes });
    await alice.page.getByRole('button', { name: `Send to ${bobName}` }).click();
    const sent = alice.page.locator('li.transfer[data-role="sender"][data-state="done"]', {
      hasText: 'while-away.bin',
    });
    await sent.waitFor({ timeout: 60_000 });
    expect(await sent.getAttribute('data-path')).toBe('relay');
    expect(await sent.locator('.figures').textContent()).toContain('via the store-and-forward relay');

    await bob.page.getByLabel('Username').fill(bobName);
    await bob.page.getByLabel('Password').fill(PASSWORD);
    await bob.page.getByRole('button', { name: 'Log in' }).click();
    const offer = bob.page.locator(`li.offer[data-sender="${aliceName}"][data-via="relay"]`);
    await offer.waitFor({ timeout: UI_TIMEOUT });
    expect(await offer.locator('li.file-name').textContent()).toBe('while-away.bin (2.1 MB)');
    expect(await offer.locator('.offer-via').textContent()).toContain('relay');
    await bob.page.getByRole('button', { name: `Accept files from ${aliceName}` }).click();
    const done = bob.page.locator('li.transfer[data-role="receiver"][data-state="done"]', {
      hasText: 'while-away.bin',
    });
    await done.waitFor({ timeout: 60_000 });
    expect(await done.getAttribute('data-path')).toBe('relay');
    const link = done.getByRole('link', { name: 'Save while-away.bin' });
    await link.waitFor({ timeout: UI_TIMEOUT });
    const [download] = await Promise.all([bob.page.waitForEvent('download'), link.click()]);
    const saved = await readFile((await download.path()) ?? '');
    expect(createHash('sha256').update(saved).digest('hex')).toBe(expected);
    await expectNothingExecuted(bob);
  });

  it('logs out back to the sign-in form', async () => {
    await bob.page.getByRole('button', { name: 'Log out' }).click();
    await bob.page.getByLabel('Username').waitFor({ timeout: UI_TIMEOUT });
    expect(await bob.page.locator('#whoami').textContent()).toBe('');
    expect(await bob.page.locator('.contacts-panel').count()).toBe(0);
  });

  it('a contact device whose key changed is flagged and blocked until its new number is accepted', async () => {
    // Bob's browser device re-registers under the same id with other keys (what a reinstall, or
    // an attacker with Bob's password, would do).
    const bobLogin = await postJson<{ accessToken: string }>(
      stack.signaling,
      '/v1/auth/login',
      { username: bobName, password: PASSWORD },
      { expect: 200 },
    );
    const devices = (await (
      await fetch(`${stack.signaling.url}/v1/devices`, {
        headers: { authorization: `Bearer ${bobLogin.accessToken}` },
      })
    ).json()) as { devices: Array<{ deviceId: string; name: string }> };
    const [device] = devices.devices;
    if (!device) throw new Error('bob has no device');
    await postJson(
      stack.signaling,
      '/v1/devices',
      { deviceId: device.deviceId, name: device.name, x25519: randomKey(), ed25519: randomKey() },
      { token: bobLogin.accessToken },
    );

    await alice.page.getByRole('button', { name: 'Show safety numbers' }).click();
    const row = alice.page.locator(`ul.safety-numbers li[data-device="${device.deviceId}"][data-blocked]`);
    await row.waitFor({ timeout: UI_TIMEOUT });
    expect(await row.locator('.key-changed').textContent()).toContain('[key_changed]');
    const changed = (await row.locator('output.safety-number').textContent()) ?? '';
    expect(changed).toMatch(/^\d{5}( \d{5}){11}$/);
    expect(changed).not.toBe(firstSafetyNumber);

    // The message is not encrypted to the blocked device, and the sender is told so, with the code.
    const box = alice.page.getByLabel(`Message to ${bobName} (Enter sends, Shift+Enter for a new line)`);
    await box.fill('are you still you?');
    await box.press('Enter');
    const banner = alice.page.locator('#error[data-code]');
    await banner.waitFor({ timeout: UI_TIMEOUT });
    expect(await banner.getAttribute('data-code')).toBe('key_changed');

    await row.getByRole('button', { name: `Accept the new key of ${device.name}` }).click();
    const accepted = alice.page.locator(
      `ul.safety-numbers li[data-device="${device.deviceId}"]:not([data-blocked])`,
    );
    await accepted.waitFor({ timeout: UI_TIMEOUT });
    expect(await accepted.locator('output.safety-number').textContent()).toBe(changed);
  });

  it('serves a CSP without unsafe-inline that blocks injected inline script', async () => {
    const res = await fetch(`${stack.appUrl}/`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    // The relay the app sends offline contacts' files through (it did, above) is allowed.
    const connectSrc = csp.split(';').find((d) => d.trim().startsWith('connect-src')) ?? '';
    expect(connectSrc.split(' ')).toContain(stack.relayUrl);
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const ran = await alice.page.evaluate(async () => {
      const w = window as unknown as { __inline?: number };
      const s = document.createElement('script');
      try {
        s.textContent = 'window.__inline = 1';
      } catch {
        return 'refused by Trusted Types';
      }
      document.body.append(s);
      await new Promise((r) => setTimeout(r, 100));
      return w.__inline === 1 ? 'ran' : 'blocked by CSP';
    });
    expect(ran).not.toBe('ran');
  });

  it('rejects path traversal on the served origin', async () => {
    for (const path of ['/../package.json', '/%2e%2e/%2e%2e/package.json', '/..%2fweb%2fpackage.json']) {
      const answer = await rawGet(stack.appUrl, path);
      expect(answer.status, path).toBe(404);
      expect(answer.body).not.toContain('"workspaces"');
    }
  });
});
