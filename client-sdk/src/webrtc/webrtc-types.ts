import type { SignalKind } from '@hypersend/protocol';

/**
 * The WebRTC implementation, injected. Browsers pass `globalThis`; Node passes `nodeWebRtc`
 * from `wrtc-node.ts` (backed by `@roamhq/wrtc`).
 *
 * @example
 * new PeerSession({ wrtc: globalThis, initiator: true, signal });
 */
export interface WebRtcImplementation {
  RTCPeerConnection: typeof RTCPeerConnection;
  RTCSessionDescription: typeof RTCSessionDescription;
  RTCIceCandidate: typeof RTCIceCandidate;
}

/** Opaque signal payload, as carried by the signaling protocol's `signal.data`. */
export type SignalData = Record<string, unknown>;

/**
 * The signaling seam: one instance per peer session (already bound to the remote device and the
 * session id `sid`). The SDK binds it to the signaling WebSocket; tests bind it to IPC.
 *
 * @example
 * const signal: SignalTransport = {
 *   send: (kind, data) => ws.send(JSON.stringify({ type: 'signal', to, sid, kind, data })),
 *   onSignal: (handler) => bus.on(`signal:${sid}`, (m) => handler(m.kind, m.data)),
 * };
 */
export interface SignalTransport {
  send(kind: SignalKind, data: SignalData): void;
  /** Register the handler for signals from the peer; returns the unsubscribe function. */
  onSignal(handler: (kind: SignalKind, data: SignalData) => void): () => void;
}

/** Network path of the selected ICE candidate pair. */
export type PeerPath = 'direct' | 'turn';

/** Injected logger; pino child loggers fit. */
export interface PeerLogger {
  warn(details: object, message: string): void;
}
