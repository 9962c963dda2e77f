import { describe, expect, it } from 'vitest';
import { DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE, MIN_CHUNK_SIZE } from '../transfer/chunk-size.ts';
import {
  chunkLimitForMessageSize,
  localChunkLimit,
  maxMessageSizeFromSdp,
  probeMaxMessageSize,
  SDP_DEFAULT_MAX_MESSAGE_SIZE,
} from './local-limits.ts';
import type { WebRtcImplementation } from './webrtc-types.ts';
import { nodeWebRtc } from './wrtc-node.ts';

const sdp = (lines: string[]) =>
  ['v=0', 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel', ...lines, ''].join('\r\n');

describe('maxMessageSizeFromSdp (RFC 8841)', () => {
  it.each([
    ['present', sdp(['a=sctp-port:5000', 'a=max-message-size:262144']), 262_144],
    ['present, LF only', 'v=0\na=max-message-size:1073741823\n', 1_073_741_823],
    ['0 means no limit', sdp(['a=max-message-size:0']), Number.POSITIVE_INFINITY],
    ['absent means 64 KiB', sdp(['a=sctp-port:5000']), SDP_DEFAULT_MAX_MESSAGE_SIZE],
    ['empty SDP', '', SDP_DEFAULT_MAX_MESSAGE_SIZE],
    ['garbage value', sdp(['a=max-message-size:lots']), SDP_DEFAULT_MAX_MESSAGE_SIZE],
    ['negative value', sdp(['a=max-message-size:-1']), SDP_DEFAULT_MAX_MESSAGE_SIZE],
    ['fraction', sdp(['a=max-message-size:2.5e5']), SDP_DEFAULT_MAX_MESSAGE_SIZE],
    ['absurdly long number', sdp([`a=max-message-size:${'9'.repeat(40)}`]), SDP_DEFAULT_MAX_MESSAGE_SIZE],
    ['only at line start', sdp(['a=fmtp x a=max-message-size:262144']), SDP_DEFAULT_MAX_MESSAGE_SIZE],
  ])('%s', (_name, text, expected) => {
    expect(maxMessageSizeFromSdp(text)).toBe(expected);
  });
});

describe('chunkLimitForMessageSize', () => {
  it.each([
    [262_144, 255 * 1024], // libwebrtc / Chromium: 256 KiB messages → 255 KiB chunks
    [65_536, 63 * 1024], // the RFC default leaves room for the frame header and tag
    [Number.POSITIVE_INFINITY, MAX_CHUNK_SIZE],
    [1 << 30, MAX_CHUNK_SIZE],
    [1000, MIN_CHUNK_SIZE], // nothing fits: the floor, which HELLO then refuses
  ])('%d-byte messages → %d', (size, expected) => {
    expect(chunkLimitForMessageSize(size)).toBe(expected);
  });
});

describe('local probe', () => {
  it('reads 256 KiB from @roamhq/wrtc and caches 255 KiB chunks', async () => {
    expect(await probeMaxMessageSize(nodeWebRtc)).toBe(262_144);
    expect(await localChunkLimit(nodeWebRtc)).toBe(255 * 1024);
  });

  it('falls back to 64 KiB when the stack throws or never answers', async () => {
    const throwing = {
      RTCPeerConnection: class {
        constructor() {
          throw new Error('no WebRTC here');
        }
      },
    } as unknown as WebRtcImplementation;
    expect(await localChunkLimit(throwing)).toBe(DEFAULT_CHUNK_SIZE);
    let closed = 0;
    const hanging = {
      RTCPeerConnection: class {
        createDataChannel() {}
        createOffer() {
          return new Promise(() => undefined);
        }
        close() {
          closed++;
        }
      },
    } as unknown as WebRtcImplementation;
    await expect(probeMaxMessageSize(hanging, 50)).rejects.toThrow(/timed out/u);
    expect(closed).toBe(1); // the throwaway connection is always closed
  });
});
