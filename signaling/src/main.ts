/**
 * `node --import tsx signaling/src/main.ts`: run the signaling server from environment variables.
 * Exit codes: 0 after a graceful shutdown, 78 (EX_CONFIG) for a configuration error, 1 otherwise.
 */
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { createSignalingServer } from './server.ts';

const EX_CONFIG = 78;
const SHUTDOWN_MS = 10_000;

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(process.env);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`hypersend-signaling: configuration error: ${err.message}`);
    console.error('See the variables listed in signaling/src/config.ts (ENV).');
    process.exit(EX_CONFIG);
  }
  throw err;
}

const log = createLogger(config.logLevel);
let server: Awaited<ReturnType<typeof createSignalingServer>>;
try {
  server = await createSignalingServer({ config, log });
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`hypersend-signaling: configuration error: ${err.message}`);
    process.exit(EX_CONFIG);
  }
  console.error(`hypersend-signaling: failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  // A second signal, or a hung shutdown, must still end the process.
  const force = setTimeout(() => process.exit(1), SHUTDOWN_MS + 5000);
  force.unref();
  server
    .close({ timeoutMs: SHUTDOWN_MS })
    .then(() => process.exit(0))
    .catch((err: unknown) => {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

// Print only once signals are handled: whoever reads this may stop us right away.
const store = config.mongo ? `MongoDB (${config.mongo.db})` : `embedded SQLite in ${config.dataDir}`;
console.log(
  [
    '',
    `Hypersend signaling is running (${config.mode}).`,
    `  HTTP API     ${server.url}/v1   (health: ${server.url}/healthz, metrics: ${server.url}/metrics)`,
    `  WebSocket    ${server.wsUrl}`,
    `  JWKS         ${server.url}/.well-known/jwks.json`,
    `  Store        ${store}`,
    `  uWS          ${server.binding.description}`,
    server.ephemeralKey
      ? '  WARNING      ephemeral JWT signing key: sessions end on restart. Set HYPERSEND_JWT_PRIVATE_KEY\n' +
        '               (npm run keygen -w signaling) to keep them.'
      : '',
    `Next: register a user with  curl -H 'content-type: application/json' -d '{"username":"alice","password":"correct horse"}' ${server.url}/v1/auth/register`,
    '',
  ]
    .filter((line) => line !== '')
    .join('\n'),
);
