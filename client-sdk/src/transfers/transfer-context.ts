// What the outgoing and incoming drivers share: the client, lazily loaded Node pieces (crypto
// back end, WebRTC binding) and the routing table of transfer control signals.
import type { DeviceAddress } from '@hypersend/protocol';
import type { Logger } from '../api/runtime.ts';
import type { CryptoBackend } from '../crypto/backend.ts';
import type { HypersendClient } from '../hypersend-client.ts';
import type { PeerSession } from '../webrtc/peer-session.ts';
import type { WebRtcImplementation } from '../webrtc/webrtc-types.ts';
import type { RelayAccess } from './relay-access.ts';
import type { RelayDelivery } from './relay-incoming.ts';
import type { TransferControl } from './transfer-control.ts';

/** Handler of control signals for one (transfer id, peer device). */
export type ControlHandler = (msg: TransferControl) => void;

/** @internal */
export interface TransferContext {
  readonly client: HypersendClient;
  readonly log: Logger;
  /** Where sender resume records live; `undefined`: no resume across restarts. */
  readonly stateDir: string | undefined;
  readonly reconnectTimeoutMs: number;
  /** The store-and-forward relay; `undefined` when this client may not use one. */
  readonly relay?: RelayAccess | undefined;
  /** Default wait for a peer connection before the relay takes over (`SendOptions.relayAfterMs`). */
  readonly relayAfterMs?: number | undefined;
  /**
   * Running receivers by transfer id that take a relay delivery of their transfer (the sender
   * finished through the relay after their peer connection was lost); true when taken.
   */
  readonly relayWaiters?: Map<string, (delivery: RelayDelivery) => boolean> | undefined;
  backend(): Promise<CryptoBackend>;
  /**
   * The largest chunk this device's data channels carry (probed from the WebRTC stack once,
   * capped by `NodeTransfersOptions.maxChunkSize`): what it advertises and uses as a sender.
   */
  chunkLimit(): Promise<number>;
  /** How long a sender waits for the recipient's chunk limit; default 3 s (chunk-size-query.ts). */
  readonly chunkQueryTimeoutMs?: number | undefined;
  /**
   * A PeerSession to `peer` negotiated under `sid`, with TURN servers when the server has them
   * (renewed before they expire); `turnOnly` forces relay candidates (the peer never sees our IP).
   */
  openSession(peer: DeviceAddress, sid: string, initiator: boolean, turnOnly?: boolean): Promise<PeerSession>;
  /** Route control signals for `transferId` from `peer` to `handler`; returns the unregister function. */
  route(transferId: string, peer: DeviceAddress, handler: ControlHandler): () => void;
  /** Send a control signal; rejects like `sendSignal`. */
  sendControl(peer: DeviceAddress, transferId: string, data: Record<string, unknown>): Promise<void>;
  /** The WebRTC implementation (loaded on first use). */
  wrtc(): Promise<WebRtcImplementation>;
}

/** Route key of a (transfer, peer device) pair. */
export function routeKey(transferId: string, peer: DeviceAddress): string {
  return `${transferId}|${peer.user}|${peer.device}`;
}

/** Resolve after `ms` (unref'd: a pending retry never keeps the process alive by itself). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    (t as { unref?: () => void }).unref?.();
  });
}

/**
 * Close `session` once the engine's goodbye (ERROR or CANCEL frame, handed to the channel just
 * before its `error` event) has had time to leave: closing at once can drop it from the data
 * channel's buffer, and the peer then waits out its reconnect timeout instead of failing typed.
 * The engine closes its channel 250 ms after the goodbye; this is the same grace, a little longer.
 */
export function closeAfterGoodbye(session: { close(): void } | undefined): void {
  if (session === undefined) return;
  const t = setTimeout(() => session.close(), 500);
  (t as { unref?: () => void }).unref?.();
}

/** Run `p` but give up after `ms` (best-effort goodbyes must not hang an exit). */
export function bounded<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([p.catch(() => undefined), sleep(ms).then(() => undefined)]);
}
