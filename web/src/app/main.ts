// Entry point of the web app: read where the servers are, make the SDK client, show sign-in.
import { browserTransfers, createClient, type HypersendClient } from '@hypersend/client/browser';
import { openShell } from './app-shell.ts';
import { authView } from './auth-view.ts';
import { byId, replaceChildren } from './dom.ts';
import { ErrorBanner } from './error-banner.ts';
import { loadRuntimeConfig } from './runtime-config.ts';

const main = byId('main', HTMLElement);
const whoami = byId('whoami', HTMLElement);
const connection = byId('connection', HTMLElement);
const banner = new ErrorBanner(byId('error', HTMLElement));

async function start(): Promise<void> {
  const config = await loadRuntimeConfig();
  const client = createClient({
    serverUrl: config.signalingUrl,
    deviceName: browserDeviceName(),
    // The relay this page's CSP allows (not whatever signaling advertises): an offline recipient's
    // files go there; `null` turns the fallback off rather than waiting on a relay that is not there.
    transfers: browserTransfers({ relayUrl: config.relayUrl }),
  });
  showSignIn(client);
}

function showSignIn(client: HypersendClient): void {
  replaceChildren(
    main,
    authView(client, banner, () => {
      openShell(client, { main, whoami, connection, banner, onSignedOut: () => showSignIn(client) }).catch(
        (err: unknown) => {
          banner.show(err, 'Could not connect');
          showSignIn(client);
        },
      );
    }),
  );
}

// Shown to contacts next to the safety number: enough to tell one's devices apart.
function browserDeviceName(): string {
  const platform = navigator.platform || 'browser';
  return `Web (${platform})`.slice(0, 64);
}

start().catch((err: unknown) => {
  replaceChildren(main);
  banner.show(err, 'Hypersend could not start');
});
