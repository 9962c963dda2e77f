import { describe, expect, it } from 'vitest';
import { FRAME_VERSION } from '../transfer/framing.ts';
import { BYE, BYE_ACK, sessionMessageKind } from './session-messages.ts';

const kind = (...bytes: number[]) => sessionMessageKind(Uint8Array.from(bytes).buffer);

describe('session messages on the file channel', () => {
  it('tells BYE and BYE_ACK from transfer frames', () => {
    expect(sessionMessageKind(BYE.slice().buffer)).toBe('bye');
    expect(sessionMessageKind(BYE_ACK.slice().buffer)).toBe('bye-ack');
    // Transfer frames start with their version, so they can never look like a session message.
    expect(FRAME_VERSION).toBeGreaterThan(0);
    expect(kind(FRAME_VERSION, 0x02, 0, 1)).toBe('frame');
    expect(kind()).toBe('frame');
  });

  it('sets aside (never passes on as frames) other messages starting with a zero byte', () => {
    expect(kind(0)).toBe('unknown-session-message');
    expect(kind(0, 3)).toBe('unknown-session-message');
    expect(kind(0, 1, 0)).toBe('unknown-session-message');
  });
});
