/**
 * One PeerSession peer for the throughput benchmark: the same IPC script as `raw-child.ts`, but
 * negotiation goes through simple-peer and the bytes through PeerSession's file channel
 * (unencrypted: this measures the transport layer only).
 */
import type { SignalKind } from '@hypersend/protocol';
// bench has no package dependency on the SDK; a relative import keeps it that way.
import { PeerSession } from '../../../client-sdk/src/webrtc/peer-session.ts';
import type { SignalData } from '../../../client-sdk/src/webrtc/webrtc-types.ts';
import { nodeWebRtc } from '../../../client-sdk/src/webrtc/wrtc-node.ts';
import { childConfig, fail, onParent, toParent } from './child-ipc.ts';
import { nowMs } from './pair-protocol.ts';

interface RelayedSignal {
  kind: SignalKind;
  data: SignalData;
}

const cfg = childConfig();
// TURN benchmark (turn-throughput.ts): ICE servers and turn-only policy from the parent's env, so
// the shared ChildConfig stays the same for every other benchmark.
const iceServers = process.env.BENCH_ICE_SERVERS
  ? (JSON.parse(process.env.BENCH_ICE_SERVERS) as RTCIceServer[])
  : undefined;
const turnOnly = process.env.BENCH_TURN_ONLY === '1';
let deliver: ((kind: SignalKind, data: SignalData) => void) | undefined;
const session = new PeerSession({
  initiator: cfg.role === 'sender',
  wrtc: nodeWebRtc,
  turnOnly,
  ...(iceServers === undefined ? {} : { iceServers }),
  watermarks: { highWatermark: cfg.highWatermark, lowWatermark: cfg.lowWatermark, pollMs: cfg.pollMs },
  signal: {
    send: (kind, data) => toParent({ t: 'signal', data: { kind, data } satisfies RelayedSignal }),
    onSignal: (handler) => {
      deliver = handler;
      return () => {
        deliver = undefined;
      };
    },
  },
});
session.on('connect', () => {
  // TURN-only rounds must really be relayed: a benchmark that silently went direct would lie.
  if (turnOnly)
    void session.selectedPath().then(
      (p) => p === 'turn' || fail(new Error(`turn-only session took path ${p}`)),
      (err: unknown) => fail(err),
    );
  toParent({ t: 'connected' });
});
session.on('error', (err) => fail(err));

async function blast(): Promise<void> {
  const chunk = new Uint8Array(Math.min(cfg.messageBytes, session.maxMessageSize));
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31) & 0xff;
  chunk[0] = 0xfe; // a zero first byte is reserved for PeerSession's own messages
  toParent({ t: 'first-send', at: nowMs() });
  let sent = 0;
  while (sent < cfg.bytes) {
    const n = Math.min(chunk.length, cfg.bytes - sent);
    await session.send(n === chunk.length ? chunk : chunk.subarray(0, n));
    sent += n;
  }
  toParent({ t: 'sent', at: nowMs(), maxBuffered: session.maxObservedBuffered });
}

let received = 0;
let firstAt = 0;
session.on('message', (frame) => {
  if (received === 0) firstAt = nowMs();
  received += frame.byteLength;
  if (received >= cfg.bytes) toParent({ t: 'done', bytes: received, firstAt, lastAt: nowMs() });
});

onParent((msg) => {
  if (msg.t === 'signal') {
    const s = msg.data as RelayedSignal;
    deliver?.(s.kind, s.data);
  } else if (msg.t === 'start') blast().catch(fail);
});
