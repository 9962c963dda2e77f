/**
 * `node --import tsx relay/src/main.ts`: run the relay from environment variables.
 * Exit codes: 0 after a graceful shutdown, 78 (EX_CONFIG) for a configuration error, 1 otherwise.
 */
import { ConfigError, loadRelayConfig, type RelayConfig } from './config.ts';
import { createRelayLogger } from './logger.ts';
import { createRelayServer, type RelayServer } from './server.ts';

const EX_CONFIG = 78;

let config: RelayConfig;
try {
  config = loadRelayConfig(process.env);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`hypersend-relay: configuration error: ${err.message}`);
    console.error('See the variables listed in relay/src/config.ts (ENV).');
    process.exit(EX_CONFIG);
  }
  throw err;
}

const log = createRelayLogger(config.logLevel);
let relay: RelayServer;
try {
  relay = await createRelayServer({ config, log });
} catch (err) {
  console.error(`hypersend-relay: failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  relay
    .close()
    .then(() => process.exit(0))
    .catch((err: unknown) => {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

// One machine-readable line once signals are handled: scripts and tests wait for it.
console.log(`hypersend-relay listening on ${relay.url}`);
