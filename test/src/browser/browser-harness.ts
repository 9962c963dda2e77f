// Chromium tests' fixtures: the SDK bundle built once per run, a static server on port 0 serving
// the test page and the bundle, a signaling server that allows that page's origin, and on request
// a store-and-forward relay (behind an HTTP front) that grants that origin CORS.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { bundleBrowserSdk } from '../../../client-sdk/scripts/bundle-browser.ts';
import { startTestRelay, type TestRelay } from '../../../relay/src/test-support.ts';
import { ROOT } from '../cli/cli-harness.ts';
import { launchChromium, openWatchedPage, type WatchedPage } from '../fixtures/chromium.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { RelayFront } from '../relay-fallback/relay-lab.ts';
import { TEST_PAGE_HTML } from './test-page.ts';

/** Everything a browser test needs, closed by {@link BrowserLab.close}. */
export interface BrowserLab {
  browser: Browser;
  signaling: TestServer;
  /** Origin of the static server (the page's origin, allowed by signaling). */
  pageOrigin: string;
  /**
   * With `{ relay: true }`: the relay (in this process) and the front signaling advertises as
   * its URL (it logs every request and can cut connections).
   */
  relay: { server: TestRelay; front: RelayFront } | undefined;
  /** A new browser context (its own storage: IndexedDB, OPFS) with the test page loaded. */
  newPage(): Promise<WatchedPage & { context: BrowserContext }>;
  close(): Promise<void>;
}

/**
 * Build the bundle, serve it with the test page, start signaling (allowing the page origin) and
 * Chromium.
 *
 * @example
 * const lab = await startBrowserLab();
 * const { page } = await lab.newPage();
 * await page.evaluate(() => window.hsTest.start(...));
 */
export async function startBrowserLab(o: { relay?: boolean } = {}): Promise<BrowserLab> {
  const bundle = await bundleBrowserSdk(join(ROOT, '.cache', 'browser-test'));
  const js = await readFile(bundle.file);
  const web = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(TEST_PAGE_HTML);
    } else if (path === '/hypersend-client.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(js);
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  const pageOrigin = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
  const front = o.relay ? await RelayFront.start() : undefined;
  const signaling = await startTestServer({
    HYPERSEND_ALLOWED_ORIGINS: pageOrigin,
    ...(front ? { HYPERSEND_RELAY_URL: front.url } : {}),
  });
  let relay: BrowserLab['relay'];
  if (front) {
    const server = await startTestRelay(signaling.url, { RELAY_ALLOWED_ORIGINS: pageOrigin });
    front.target(server.port);
    relay = { server, front };
  }
  const browser = await launchChromium();
  const contexts: BrowserContext[] = [];
  return {
    browser,
    signaling,
    pageOrigin,
    relay,
    async newPage() {
      const context = await browser.newContext();
      contexts.push(context);
      const watched = await openWatchedPage(context);
      try {
        await watched.page.goto(`${pageOrigin}/`);
        // Generous: the page compiles a 1.7 MB bundle on a loaded 2-core machine.
        await watched.page.waitForFunction(
          () => (window as unknown as { hsReady?: boolean }).hsReady === true,
          null,
          { timeout: 30_000 },
        );
      } catch (err) {
        const saved = await watched.saveArtifacts(`page-load-${contexts.length}`);
        throw new Error(`test page did not load (see ${saved.join(', ')}): ${String(err)}`);
      }
      return { ...watched, context };
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await relay?.server.close().catch(() => undefined);
      await relay?.front.close().catch(() => undefined);
      await signaling.close().catch(() => undefined);
      await closeServer(web);
    },
  };
}

function closeServer(s: Server): Promise<void> {
  s.closeAllConnections();
  return new Promise((resolve) => s.close(() => resolve()));
}
