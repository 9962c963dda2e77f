// The platform-neutral public API, re-exported by both entry points (index.ts, index.browser.ts).
export { HttpApi, type HttpApiOptions, TurnCredentials } from './api/http-api.ts';
export { serverError, statusOf } from './api/http-error.ts';
export type { BearerAuth, FetchFn } from './api/http-transport.ts';
export { type Clock, type Logger, silentLogger, systemClock } from './api/runtime.ts';
export { Session, type SessionEvents, type SessionOptions, type TokenProvider } from './auth/session.ts';
export * from './chat/index.ts';
export {
  type ContactDevice,
  type DeviceKeys,
  KeyDirectory,
  type KeyDirectoryEvents,
  type KeyDirectoryOptions,
} from './contacts/key-directory.ts';
export { type KeyStore, MemoryKeyStore, PinnedDevice, PinnedKeys } from './contacts/key-store.ts';
export type { DeviceSecrets, KeyProtection } from './crypto/device-secrets.ts';
export { fingerprint, publicIdentity, safetyNumber } from './crypto/keys.ts';
export { HypersendError, type HypersendErrorCode, SdkErrorCode } from './errors.ts';
export { Emitter, type EventPayloads } from './events.ts';
export { type ClientEvents, HypersendClient, type HypersendClientOptions } from './hypersend-client.ts';
export {
  createDeviceIdentity,
  type DeviceIdentity,
  type DeviceKeyMaterial,
  fromStoredIdentity,
  type IdentityStore,
  loadOrCreateIdentity,
  MemoryIdentityStore,
  StoredIdentity,
  toStoredIdentity,
  withByteSecrets,
} from './identity/device-identity.ts';
export { type BackoffOptions, backoffDelay } from './signaling/backoff.ts';
export {
  type IncomingSignal,
  SignalingClient,
  type SignalingClientOptions,
  type SignalingEvents,
  type SignalingState,
  type WsCredential,
} from './signaling/signaling-client.ts';
export type { WebSocketConstructor, WebSocketLike } from './signaling/websocket-like.ts';

import type { HypersendClientOptions } from './hypersend-client.ts';

/**
 * Options of `createClient`: every seam of {@link HypersendClientOptions} is optional and gets
 * the platform's default (Node: `ws`, files under the XDG config directory; browsers: global
 * WebSocket and fetch, memory stores).
 *
 * @example
 * createClient({ serverUrl: 'https://send.example.com', profile: 'work' });
 */
export type CreateClientOptions = Omit<
  HypersendClientOptions,
  'identityStore' | 'keyStore' | 'WebSocket' | 'wsAuth'
> &
  Partial<Pick<HypersendClientOptions, 'identityStore' | 'keyStore' | 'WebSocket' | 'wsAuth'>> & {
    /** Profile name: one identity and key file per profile. Default `default`. */
    profile?: string;
    /**
     * Node: folder for outgoing transfers' resume records. Default `<profile dir>/outgoing` when
     * the identity lives in the profile's files; none (no resume across restarts) otherwise.
     */
    transferStateDir?: string;
  };
