// Node entry point of @hypersend/client: `ws` for WebSockets, identity and pinned keys in 0600
// files under $XDG_CONFIG_HOME/hypersend/<profile>/. Browsers get index.browser.ts instead.
import { join } from 'node:path';
import WebSocket from 'ws';
import { type CreateClientOptions, HypersendClient } from './client-exports.ts';
import { KeyFileStore } from './contacts/key-file-store.ts';
import { IdentityFileStore } from './identity/identity-file-store.ts';
import { profileDir } from './identity/private-json-file.ts';
import type { WebSocketConstructor } from './signaling/websocket-like.ts';
import { nodeTransfers } from './transfers/transfer-service.ts';

export * from './client-exports.ts';
export { KeyFileStore, type KeyFileStoreOptions } from './contacts/key-file-store.ts';
export { IdentityFileStore, type IdentityFileStoreOptions } from './identity/identity-file-store.ts';
export { profileDir } from './identity/private-json-file.ts';
export * from './transfers/index.ts';

/**
 * Make a client with Node defaults: `ws` (authenticates with `bearer.<jwt>`), the identity in
 * `~/.config/hypersend/<profile>/identity.json` and pinned keys in `contacts.json` next to it.
 *
 * @example
 * import { createClient } from '@hypersend/client';
 * const client = createClient({ serverUrl: 'http://127.0.0.1:8080', profile: 'alice' });
 * await client.login('alice', 'correct horse battery');
 * await client.connect();
 */
export function createClient(options: CreateClientOptions): HypersendClient {
  const { profile, transferStateDir, ...rest } = options;
  const stateDir =
    transferStateDir ??
    (options.identityStore ? undefined : join(profileDir(profile ?? 'default'), 'outgoing'));
  return new HypersendClient({
    ...rest,
    transfers:
      options.transfers ??
      nodeTransfers({
        ...(stateDir === undefined ? {} : { stateDir }),
        ...(options.log ? { log: options.log } : {}),
        ...chunkEnv(process.env),
      }),
    identityStore: options.identityStore ?? new IdentityFileStore({ profile: profile ?? 'default' }),
    keyStore: options.keyStore ?? new KeyFileStore({ profile: profile ?? 'default' }),
    WebSocket: options.WebSocket ?? (WebSocket as unknown as WebSocketConstructor),
    wsAuth: options.wsAuth ?? 'bearer',
  });
}

/**
 * Chunk-size knobs from the environment (the CLI has no flags for them): `HYPERSEND_MAX_CHUNK_SIZE`
 * (bytes) caps what this device uses and advertises; `HYPERSEND_ANSWER_CHUNK_QUERIES=0` makes it
 * ignore chunk-size queries like a client from before them (tests use it). Anything unparsable is
 * ignored.
 */
function chunkEnv(env: NodeJS.ProcessEnv): { maxChunkSize?: number; answerChunkQueries?: boolean } {
  const max = Number(env.HYPERSEND_MAX_CHUNK_SIZE);
  return {
    ...(Number.isInteger(max) && max > 0 ? { maxChunkSize: max } : {}),
    ...(env.HYPERSEND_ANSWER_CHUNK_QUERIES === '0' ? { answerChunkQueries: false } : {}),
  };
}
