// What PeerSession hands to simple-peer and gets back from it: the WebRTC constructors, inbound
// signals in simple-peer's shape, and its errors as this layer's stable codes.
import type SimplePeer from 'simple-peer';
import { PeerError, type PeerErrorCode } from './peer-error.ts';
import type { InboundSignal } from './signal-codec.ts';
import type { WebRtcImplementation } from './webrtc-types.ts';

export function pickWrtc(w: WebRtcImplementation): WebRtcImplementation {
  // Copy only the three constructors: `globalThis` must not be spread into simple-peer's options.
  return {
    RTCPeerConnection: w.RTCPeerConnection,
    RTCSessionDescription: w.RTCSessionDescription,
    RTCIceCandidate: w.RTCIceCandidate,
  };
}

export function toSimplePeer(sig: InboundSignal): SimplePeer.SignalData {
  if (sig.kind === 'candidate') {
    // simple-peer only passes this to `new RTCIceCandidate(init)`: the init dictionary suffices.
    return { type: 'candidate', candidate: sig.data.candidate as unknown as RTCIceCandidate };
  }
  if (sig.kind === 'renegotiate') return { type: 'renegotiate', renegotiate: true };
  return sig.data;
}

const SIMPLE_PEER_CODES: Record<string, PeerErrorCode> = {
  ERR_ICE_CONNECTION_FAILURE: 'peer_connection_failed',
  ERR_CONNECTION_FAILURE: 'peer_connection_failed',
  ERR_SET_REMOTE_DESCRIPTION: 'peer_negotiation_failed',
  ERR_SET_LOCAL_DESCRIPTION: 'peer_negotiation_failed',
  ERR_CREATE_OFFER: 'peer_negotiation_failed',
  ERR_CREATE_ANSWER: 'peer_negotiation_failed',
  ERR_ADD_ICE_CANDIDATE: 'peer_negotiation_failed',
  ERR_SIGNALING: 'peer_negotiation_failed',
  ERR_DATA_CHANNEL: 'data_channel_error',
  ERR_PC_CONSTRUCTOR: 'webrtc_unsupported',
  ERR_WEBRTC_SUPPORT: 'webrtc_unsupported',
  ERR_DESTROYED: 'peer_closed',
};

/** Translate simple-peer's `err-code` codes to this layer's stable codes. */
export function fromSimplePeerError(err: Error): PeerError {
  const raw = (err as { code?: unknown }).code;
  const code = (typeof raw === 'string' && SIMPLE_PEER_CODES[raw]) || 'peer_connection_failed';
  return new PeerError(code, err.message, { cause: err });
}
