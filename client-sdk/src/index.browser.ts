// Browser entry point of @hypersend/client: global WebSocket and fetch. `/v1/ws` is opened with a
// single-use 30 s ticket (the server's browser path) so the long-lived access token never sits in
// a handshake header that page scripts, extensions or proxies might record. Identity and pinned
// keys live in IndexedDB (browser/indexeddb-stores.ts); transfers use the browser's
// RTCPeerConnection, File/Blob slices and OPFS / a picked folder (browser/, selected through the
// package.json "browser" map).
import { browserTransfers } from './browser/browser-transfers.ts';
import { IndexedDbIdentityStore, IndexedDbKeyStore } from './browser/indexeddb-stores.ts';
import { type CreateClientOptions, HypersendClient } from './client-exports.ts';
import type { WebSocketConstructor } from './signaling/websocket-like.ts';

export {
  acceptInto,
  type BrowserTransfersOptions,
  browserTransfers,
  browserWebRtc,
  sendFiles,
} from './browser/browser-transfers.ts';
export {
  IndexedDbIdentityStore,
  IndexedDbKeyStore,
  type IndexedDbStoreOptions,
} from './browser/indexeddb-stores.ts';
export {
  discardPartial,
  type PartialReceiveInfo,
  partialReceiveOf,
  STALE_PARTIAL_MS,
  sweepStalePartials,
} from './browser/partials.ts';
export {
  IndexedDbProgressStore,
  type PartialReceive,
  type ProgressStore,
  progressStore,
  useProgressStore,
} from './browser/progress-store.ts';
export {
  DEFAULT_MEMORY_CAP_BYTES,
  deleteReceivedFile,
  downloadReceivedFile,
  readReceivedFile,
  receiveTargets,
} from './browser/receive-targets.ts';
export * from './client-exports.ts';
export { fromEngineError } from './transfers/engine-errors.ts';
export {
  IncomingTransfer,
  type IncomingTransferEvents,
  type OfferSender,
  type ReceiveOptions,
} from './transfers/incoming.ts';
export type { SendOptions, SendSource } from './transfers/outgoing.ts';
export {
  cancelled,
  type ProgressEvent,
  Transfer,
  type TransferHandleEvents,
  type TransferRole,
} from './transfers/transfer-handle.ts';

/**
 * Make a client with browser defaults: global `WebSocket` (ticket authentication), global
 * `fetch`, identity and pinned keys in IndexedDB (database `hypersend-<profile>`), and transfers
 * over the browser's WebRTC.
 *
 * @example
 * import { createClient, sendFiles } from '@hypersend/client';
 * const client = createClient({ serverUrl: location.origin, profile: 'alice' });
 * await client.login('alice', password);
 * await client.connect();
 * await sendFiles(client, 'bob', [...fileInput.files]).result;
 */
export function createClient(options: CreateClientOptions): HypersendClient {
  const { profile, transferStateDir: _stateDir, ...rest } = options;
  const database = `hypersend-${profile ?? 'default'}`;
  return new HypersendClient({
    ...rest,
    identityStore: options.identityStore ?? new IndexedDbIdentityStore({ database }),
    keyStore: options.keyStore ?? new IndexedDbKeyStore({ database }),
    WebSocket: options.WebSocket ?? (globalThis.WebSocket as unknown as WebSocketConstructor),
    wsAuth: options.wsAuth ?? 'ticket',
    transfers: options.transfers ?? browserTransfers(options.log ? { log: options.log } : {}),
  });
}
