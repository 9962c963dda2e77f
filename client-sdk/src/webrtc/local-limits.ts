// This device's data-channel message limit, known before any connection: the chunk size of a
// transfer is fixed in its manifest, which is sealed and sent before a data channel exists, so
// both ends advertise what their WebRTC stack carries up front (FORMAT.md §6, "Chunk size").

import {
  DEFAULT_CHUNK_SIZE,
  MAX_CHUNK_SIZE,
  MIN_CHUNK_SIZE,
  negotiateChunkSize,
} from '../transfer/chunk-size.ts';
import { CHUNK_FRAME_OVERHEAD } from '../transfer/framing.ts';
import type { WebRtcImplementation } from './webrtc-types.ts';

/** RFC 8841 §6: an endpoint that does not send `a=max-message-size` accepts 64 KiB messages. */
export const SDP_DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024;

/** How long the one-off probe may take before this device assumes the 64 KiB floor. */
export const LOCAL_LIMIT_PROBE_TIMEOUT_MS = 2000;

/**
 * The `a=max-message-size` of an SDP, per RFC 8841: its value in bytes; `Infinity` for `0` ("no
 * limit"); {@link SDP_DEFAULT_MAX_MESSAGE_SIZE} when the attribute is absent or unreadable (a
 * garbled value must not make us send bigger frames than the floor every stack accepts).
 *
 * @example
 * maxMessageSizeFromSdp('m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=max-message-size:262144\r\n'); // 262144
 * maxMessageSizeFromSdp('a=max-message-size:0'); // Infinity
 * maxMessageSizeFromSdp('v=0'); // 65536
 */
export function maxMessageSizeFromSdp(sdp: string): number {
  const m = /^a=max-message-size:([^\r\n]*)$/mu.exec(sdp);
  if (m === null) return SDP_DEFAULT_MAX_MESSAGE_SIZE;
  const value = m[1]?.trim() ?? '';
  if (!/^\d{1,15}$/u.test(value)) return SDP_DEFAULT_MAX_MESSAGE_SIZE;
  const n = Number(value);
  return n === 0 ? Number.POSITIVE_INFINITY : n;
}

/**
 * The largest chunk a data channel with `maxMessageSize`-byte messages carries: 1 MiB at most,
 * minus the CHUNK frame overhead, rounded down to a KiB; 16 KiB if even that does not fit (such a
 * stack cannot carry this format; HELLO's check refuses it, as the receiver's advertisement does).
 *
 * @example
 * chunkLimitForMessageSize(262144); // 261120 (255 KiB)
 * chunkLimitForMessageSize(Infinity); // 1048576
 */
export function chunkLimitForMessageSize(maxMessageSize: number): number {
  const frameLimit = Number.isFinite(maxMessageSize) ? maxMessageSize - CHUNK_FRAME_OVERHEAD : undefined;
  return negotiateChunkSize(MAX_CHUNK_SIZE, MAX_CHUNK_SIZE, frameLimit) ?? MIN_CHUNK_SIZE;
}

/**
 * Ask the WebRTC stack for the `max-message-size` it offers: a throwaway RTCPeerConnection with
 * one data channel, `createOffer` (no ICE gathering, nothing leaves the process), read the SDP,
 * close. Rejects on any failure or after `timeoutMs`.
 */
export async function probeMaxMessageSize(
  wrtc: WebRtcImplementation,
  timeoutMs = LOCAL_LIMIT_PROBE_TIMEOUT_MS,
): Promise<number> {
  const pc = new wrtc.RTCPeerConnection({ iceServers: [] });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    pc.createDataChannel('hypersend-probe');
    const offer = await Promise.race([
      pc.createOffer(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('max-message-size probe timed out')), timeoutMs);
        (timer as { unref?: () => void }).unref?.();
      }),
    ]);
    return maxMessageSizeFromSdp(offer.sdp ?? '');
  } finally {
    clearTimeout(timer);
    pc.close();
  }
}

const cache = new WeakMap<WebRtcImplementation['RTCPeerConnection'], Promise<number>>();

/**
 * The largest chunk this device's data channels carry (HELLO's `maxChunkSize` semantics, known
 * before connecting): probed once per process and WebRTC implementation, then cached. Any
 * failure or a slow probe gives {@link DEFAULT_CHUNK_SIZE}, which every peer accepts. Never rejects.
 *
 * @example
 * await localChunkLimit(nodeWebRtc); // 261120 with @roamhq/wrtc (and in Chromium)
 */
export function localChunkLimit(wrtc: WebRtcImplementation): Promise<number> {
  let limit = cache.get(wrtc.RTCPeerConnection);
  if (limit === undefined) {
    limit = probeMaxMessageSize(wrtc).then(chunkLimitForMessageSize, () => DEFAULT_CHUNK_SIZE);
    cache.set(wrtc.RTCPeerConnection, limit);
  }
  return limit;
}
