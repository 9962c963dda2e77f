// Browser entry point of @hypersend/client: global WebSocket and fetch. `/v1/ws` is opened with a
// single-use 30 s ticket (the server's browser path) so the long-lived access token never sits in
// a handshake header that page scripts, extensions or proxies might record. Identity and pinned keys live in memory until a persistent
// browser store (IndexedDB with non-extractable keys) exists: placeholder, not for production.
import { type CreateClientOptions, HypersendClient } from './client-exports.ts';
import { MemoryKeyStore } from './contacts/key-store.ts';
import { MemoryIdentityStore } from './identity/device-identity.ts';
import type { WebSocketConstructor } from './signaling/websocket-like.ts';

export * from './client-exports.ts';

/**
 * Make a client with browser defaults: global `WebSocket` (ticket authentication), global
 * `fetch`, in-memory identity and key stores (a new device identity per page load for now).
 *
 * @example
 * import { createClient } from '@hypersend/client';
 * const client = createClient({ serverUrl: location.origin });
 */
export function createClient(options: CreateClientOptions): HypersendClient {
  const { profile: _profile, transferStateDir: _stateDir, ...rest } = options;
  return new HypersendClient({
    ...rest,
    identityStore: options.identityStore ?? new MemoryIdentityStore(),
    keyStore: options.keyStore ?? new MemoryKeyStore(),
    WebSocket: options.WebSocket ?? (globalThis.WebSocket as unknown as WebSocketConstructor),
    wsAuth: options.wsAuth ?? 'ticket',
  });
}
