// The whole product as a browser meets it: signaling, the relay and the web server on port 0, the
// web app reached through a fixed front port (its origin must be known before signaling starts,
// because signaling only lets allowed origins in), and headless Chromium.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { loadRelayConfig } from '../../../relay/src/config.ts';
import { createRelayServer, type RelayServer } from '../../../relay/src/server.ts';
import { buildAppAssets } from '../../../web/src/server/app-bundle.ts';
import { createWebServer, type WebServer } from '../../../web/src/server/web-server.ts';
import { launchChromium, openWatchedPage, type WatchedPage } from '../fixtures/chromium.ts';
import { type FrontPort, frontPort } from '../helpers/front-port.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** A running stack; {@link WebStack.close} stops everything it started. */
export interface WebStack {
  /** The web app's origin, e.g. `http://127.0.0.1:41234` (allowed by signaling). */
  appUrl: string;
  web: WebServer;
  signaling: TestServer;
  relay: RelayServer;
  /** The relay's URL as signaling advertises it and the app's CSP allows it (a front). */
  relayUrl: string;
  browser: Browser;
  /** A fresh browser context (own IndexedDB and OPFS: another person) with the app loaded. */
  openApp(): Promise<WatchedPage & { context: BrowserContext }>;
  close(): Promise<void>;
}

/**
 * Start signaling, relay, web server and Chromium.
 *
 * @example
 * const stack = await startWebStack();
 * const alice = await stack.openApp();
 * await alice.page.getByLabel('Username').fill('alice');
 * await stack.close();
 */
export async function startWebStack(): Promise<WebStack> {
  const closers: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    const front: FrontPort = await frontPort();
    closers.push(() => front.close());
    // The relay's URL too is fixed before it exists: signaling advertises it (Node clients use it).
    const relayFront: FrontPort = await frontPort();
    closers.push(() => relayFront.close());
    const signaling = await startTestServer({
      HYPERSEND_ALLOWED_ORIGINS: front.url,
      HYPERSEND_RELAY_URL: relayFront.url,
    });
    closers.push(() => signaling.close());
    const relayDir = await mkdtemp(join(tmpdir(), 'hypersend-web-relay-'));
    closers.push(() => rm(relayDir, { recursive: true, force: true }));
    const relay = await createRelayServer({
      config: loadRelayConfig({
        RELAY_PORT: '0',
        RELAY_DATA_DIR: relayDir,
        RELAY_JWKS_URL: `${signaling.url}/v1/jwks.json`,
        RELAY_ALLOWED_ORIGINS: front.url,
        LOG_LEVEL: 'silent',
      }),
    });
    closers.push(() => relay.close());
    relayFront.target(relay.port);
    const web = await createWebServer({
      config: { host: '127.0.0.1', port: 0, signalingUrl: signaling.url, relayUrl: relayFront.url },
      assets: await buildAppAssets(),
    });
    closers.push(() => web.close());
    front.target(web.port);
    const browser = await launchChromium();
    closers.push(() => browser.close());
    return {
      appUrl: front.url,
      web,
      signaling,
      relay,
      relayUrl: relayFront.url,
      browser,
      async openApp() {
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        closers.push(() => context.close());
        const watched = await openWatchedPage(context);
        await watched.page.goto(`${front.url}/`);
        await watched.page.getByLabel('Username').waitFor({ timeout: 20_000 });
        return { ...watched, context };
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
