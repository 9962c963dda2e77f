/**
 * Node wiring of the WebRTC seam: `@roamhq/wrtc` (the maintained node-webrtc fork; its binary
 * ships in `@roamhq/wrtc-linux-x64`). Kept out of `peer-session.ts` so browser bundles never see it.
 */
import wrtc from '@roamhq/wrtc';
import type { WebRtcImplementation } from './webrtc-types.ts';

/**
 * @example
 * new PeerSession({ wrtc: nodeWebRtc, initiator: true, signal });
 */
export const nodeWebRtc: WebRtcImplementation = {
  RTCPeerConnection: wrtc.RTCPeerConnection,
  RTCSessionDescription: wrtc.RTCSessionDescription,
  RTCIceCandidate: wrtc.RTCIceCandidate,
};
