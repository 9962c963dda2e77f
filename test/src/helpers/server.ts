import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type EnvName, loadConfig } from '../../../signaling/src/config.ts';
import type { Clock } from '../../../signaling/src/context.ts';
import { createSignalingServer, type SignalingServer } from '../../../signaling/src/server.ts';
import type { Store } from '../../../signaling/src/store/store.ts';

/** Environment overrides for a test server, by variable name (see `ENV` in signaling/src/config.ts). */
export type TestEnv = Partial<Record<EnvName, string>>;

/** A running test server; `close()` also removes its temporary data directory. */
export type TestServer = SignalingServer & { dataDir: string };

/**
 * Start a real signaling server on 127.0.0.1, port 0, with the embedded SQLite store in a fresh
 * temporary directory, logging silenced and the cheapest password hash cost.
 *
 * @example
 * const server = await startTestServer({ HYPERSEND_LOGIN_RATE_PER_IP: '3' });
 * try { await fetch(`${server.url}/healthz`); } finally { await server.close(); }
 */
export async function startTestServer(
  overrides: TestEnv = {},
  options: { log?: Logger; store?: Store; clock?: Clock } = {},
): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'hypersend-test-'));
  const env: Record<string, string> = {
    HYPERSEND_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: '0',
    HYPERSEND_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    HYPERSEND_PASSWORD_HASH: 'interactive',
    ...stripUndefined(overrides),
  };
  const config = loadConfig(env);
  let server: SignalingServer;
  try {
    server = await createSignalingServer({ config, ...options });
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  const close = async () => {
    try {
      await server.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  };
  return { ...server, dataDir, close };
}

function stripUndefined(env: TestEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}
