// The public shapes of the signaling connection: its events, states, options and credential.
// Kept apart from the client so apps and the transfer code can name them without the machinery.
import type { ChatServerMessage, DeviceAddress, RelayNotice, SignalKind } from '@hypersend/protocol';
import type { Clock, Logger } from '../api/runtime.ts';
import type { HypersendError } from '../errors.ts';
import type { BackoffOptions } from './backoff.ts';
import type { WebSocketConstructor } from './websocket-like.ts';

/** The credential offered in `Sec-WebSocket-Protocol`: an access token (Node) or a ticket (browsers). */
export type WsCredential = { kind: 'bearer' | 'ticket'; value: string };

/** A WebRTC signal from a contact's device. */
export interface IncomingSignal {
  from: DeviceAddress;
  kind: SignalKind;
  sid: string;
  data: Record<string, unknown>;
}

/** Events of a {@link SignalingClient}. */
export type SignalingEvents = {
  /** The server greeted this connection (first connect and every reconnect). */
  connected: { user: string; device: string; heartbeatMs: number };
  /** An established connection was lost. `reconnectInMs` is undefined when no reconnect follows. */
  disconnected: { code: number; reason: string; reconnectInMs: number | undefined };
  /** Another connection of this device took over (close 4001). No automatic reconnect. */
  replaced: undefined;
  signal: IncomingSignal;
  /** A contact's device came online or went offline. */
  presence: { user: string; device: string; state: 'online' | 'offline' };
  /** A server `error` frame that answers no request, or a refused connection attempt. */
  error: { error: HypersendError };
  /** A chat frame that answers no request (messages, receipts, typing); `client.chat` handles them. */
  chat: ChatServerMessage;
  /** A store-and-forward relay object is waiting for this device (see `transfers/relay-incoming.ts`). */
  'relay-notice': RelayNotice;
};

/** Connection state of a {@link SignalingClient}. */
export type SignalingState = 'idle' | 'connecting' | 'open' | 'waiting' | 'closed';

/** Options of {@link SignalingClient}. */
export interface SignalingClientOptions {
  /** `ws(s)://host/v1/ws`. */
  url: string;
  deviceId: string;
  /**
   * A credential for the next connection attempt. `fresh` is true when the previous one was
   * refused (401) or expired (close 4002): do not answer the cached token again.
   */
  credential(request: { fresh: boolean }): Promise<WsCredential>;
  WebSocket: WebSocketConstructor;
  /** Checked before every signal (the key directory refuses devices whose key changed). */
  beforeSend?(to: DeviceAddress): void | Promise<void>;
  clock?: Clock;
  log?: Logger;
  backoff?: BackoffOptions;
  /** Deadline of one request (signal ack, presence, ping). Default 10 s. */
  requestTimeoutMs?: number;
  /** Deadline from opening the socket to the server's `hello`. Default 10 s. */
  connectTimeoutMs?: number;
  random?: () => number;
}
