/**
 * `node --import tsx web/src/server/main.ts`: bundle the web app and serve it (see web/README.md).
 * Exit codes: 0 after a graceful shutdown, 78 (EX_CONFIG) for a configuration error, 1 otherwise.
 */
import { loadWebConfig, WEB_ENV, type WebConfig, WebConfigError } from './config.ts';
import { createWebServer, type WebServer } from './web-server.ts';

const EX_CONFIG = 78;

let config: WebConfig;
try {
  config = loadWebConfig(process.env);
} catch (err) {
  if (err instanceof WebConfigError) {
    console.error(`hypersend-web: configuration error: ${err.message}`);
    console.error(`Variables: ${Object.keys(WEB_ENV).join(', ')} (web/src/server/config.ts).`);
    process.exit(EX_CONFIG);
  }
  throw err;
}

let web: WebServer;
try {
  web = await createWebServer({ config });
} catch (err) {
  console.error(`hypersend-web: failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  const force = setTimeout(() => process.exit(1), 5_000);
  force.unref();
  web.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

// One machine-readable line once signals are handled: scripts and tests wait for it.
console.log(
  JSON.stringify({
    msg: 'hypersend-web listening',
    url: web.url,
    signalingUrl: config.signalingUrl,
    relayUrl: config.relayUrl,
  }),
);
