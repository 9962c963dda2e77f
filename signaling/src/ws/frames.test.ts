import { ServerMessage, SignalRequest } from '@hypersend/protocol';
import { describe, expect, it } from 'vitest';
import {
  ackFrame,
  errorFrame,
  helloFrame,
  pongFrame,
  presenceFrame,
  presenceSnapshotFrame,
  reconnectFrame,
  signalFrame,
  signalPrefix,
} from './frames.ts';

/** Hand-built frames must be exactly what the schema describes. */
const valid = (frame: string) => ServerMessage.parse(JSON.parse(frame));

describe('server frames', () => {
  it('builds schema-valid frames', () => {
    expect(valid(helloFrame('u1', 'd1', 30_000))).toEqual({
      type: 'hello',
      v: 1,
      user: 'u1',
      device: 'd1',
      heartbeatMs: 30_000,
    });
    expect(valid(ackFrame('a "quoted" \\ id'))).toEqual({ type: 'ack', ref: 'a "quoted" \\ id' });
    expect(valid(pongFrame(undefined))).toEqual({ type: 'pong' });
    expect(valid(pongFrame('7'))).toEqual({ type: 'pong', ref: '7' });
    expect(valid(errorFrame('peer_offline', 'x', 'r'))).toEqual({
      type: 'error',
      code: 'peer_offline',
      message: 'x',
      ref: 'r',
    });
    expect(valid(errorFrame('bad_message', 'x', undefined))).not.toHaveProperty('ref');
    expect(valid(presenceFrame('u1', 'd1', 'offline'))).toEqual({
      type: 'presence',
      user: 'u1',
      device: 'd1',
      state: 'offline',
    });
    expect(valid(presenceSnapshotFrame([{ user: 'u', device: 'd' }], 'q'))).toEqual({
      type: 'presence.snapshot',
      online: [{ user: 'u', device: 'd' }],
      ref: 'q',
    });
    expect(valid(reconnectFrame(1234))).toEqual({ type: 'reconnect', afterMs: 1234 });
  });

  it('forwards a signal with the sender as from and the payload intact', () => {
    const request = SignalRequest.parse({
      type: 'signal',
      id: '1',
      to: { user: 'u2', device: 'd2' },
      kind: 'offer',
      sid: 's-1',
      data: { sdp: 'v=0\r\n"quoted"\u2028', nested: { n: [1, null, true] } },
    });
    const frame = signalFrame(signalPrefix({ user: 'u1', device: 'd1' }), request);
    expect(valid(frame)).toEqual({
      type: 'signal',
      from: { user: 'u1', device: 'd1' },
      kind: 'offer',
      sid: 's-1',
      data: request.data,
    });
  });
});
