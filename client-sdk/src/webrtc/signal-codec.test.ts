import { describe, expect, it } from 'vitest';
import { decodeSignal, encodeSignal } from './signal-codec.ts';

describe('signal codec', () => {
  it('round-trips what simple-peer emits', () => {
    const offer = encodeSignal({ type: 'offer', sdp: 'v=0\r\n' });
    expect(offer).toEqual({ kind: 'offer', data: { type: 'offer', sdp: 'v=0\r\n' } });
    expect(decodeSignal('offer', offer!.data)?.kind).toBe('offer');
    const cand = encodeSignal({
      type: 'candidate',
      candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 },
    } as never);
    expect(cand?.kind).toBe('candidate');
    expect(decodeSignal('candidate', cand!.data)?.kind).toBe('candidate');
    const reneg = encodeSignal({ type: 'renegotiate', renegotiate: true });
    expect(decodeSignal('renegotiate', reneg!.data)?.kind).toBe('renegotiate');
  });

  it('drops malformed or mislabelled signals', () => {
    expect(decodeSignal('offer', { type: 'answer', sdp: 'v=0' })).toBeUndefined();
    expect(decodeSignal('answer', { type: 'answer' })).toBeUndefined();
    expect(decodeSignal('offer', { type: 'offer', sdp: 'x'.repeat(70_000) })).toBeUndefined();
    expect(decodeSignal('candidate', { type: 'candidate', candidate: 'nope' })).toBeUndefined();
    expect(decodeSignal('renegotiate', { type: 'renegotiate' })).toBeUndefined();
  });
});
