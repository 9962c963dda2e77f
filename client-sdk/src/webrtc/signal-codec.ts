import type { SignalKind } from '@hypersend/protocol';
import type SimplePeer from 'simple-peer';
import { z } from 'zod';
import type { SignalData } from './webrtc-types.ts';

// Bounds keep a hostile peer from making us parse megabytes of SDP (a real one is a few KiB).
const Sdp = z
  .string()
  .min(1)
  .max(64 * 1024);
const Description = z.object({ type: z.enum(['offer', 'answer']), sdp: Sdp });
const Candidate = z.object({
  type: z.literal('candidate'),
  candidate: z.object({
    candidate: z.string().max(1024),
    sdpMid: z.string().max(64).nullable().optional(),
    sdpMLineIndex: z.number().int().min(0).max(1024).nullable().optional(),
    usernameFragment: z.string().max(256).nullable().optional(),
  }),
});
const Renegotiate = z.object({
  type: z.literal('renegotiate'),
  renegotiate: z.literal(true),
  /** Hypersend extension: the answerer asks the offerer for an ICE restart. */
  iceRestart: z.boolean().optional(),
});

/** A validated signal from the peer, ready for simple-peer or for the ICE-restart path. */
export type InboundSignal =
  | { kind: 'offer' | 'answer'; data: { type: 'offer' | 'answer'; sdp: string } }
  | { kind: 'candidate'; data: z.infer<typeof Candidate> }
  | { kind: 'renegotiate'; data: z.infer<typeof Renegotiate> };

/**
 * Validate a signal at the trust boundary (it crossed the signaling server from the peer).
 * Returns `undefined` for anything malformed or whose `kind` disagrees with its payload.
 */
export function decodeSignal(kind: SignalKind, data: SignalData): InboundSignal | undefined {
  switch (kind) {
    case 'offer':
    case 'answer': {
      const r = Description.safeParse(data);
      return r.success && r.data.type === kind ? { kind, data: r.data } : undefined;
    }
    case 'candidate': {
      const r = Candidate.safeParse(data);
      return r.success ? { kind, data: r.data } : undefined;
    }
    case 'renegotiate': {
      const r = Renegotiate.safeParse(data);
      return r.success ? { kind, data: r.data } : undefined;
    }
    case 'transfer':
      // Transfer control belongs to the transfer layer, never to WebRTC negotiation.
      return undefined;
    default:
      return assertNever(kind);
  }
}

/**
 * Map a simple-peer `signal` event to the wire's `(kind, data)`. Returns `undefined` for
 * signals this layer never needs to relay (transceiver requests: there is no media here).
 */
export function encodeSignal(sig: SimplePeer.SignalData): { kind: SignalKind; data: SignalData } | undefined {
  if ('renegotiate' in sig) return { kind: 'renegotiate', data: { type: 'renegotiate', renegotiate: true } };
  if ('candidate' in sig && sig.type === 'candidate') {
    // simple-peer hands us a plain object already; copy the fields so nothing else leaks.
    const c = sig.candidate;
    return {
      kind: 'candidate',
      data: {
        type: 'candidate',
        candidate: { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex },
      },
    };
  }
  if ('sdp' in sig && (sig.type === 'offer' || sig.type === 'answer') && typeof sig.sdp === 'string') {
    return { kind: sig.type, data: { type: sig.type, sdp: sig.sdp } };
  }
  return undefined;
}

function assertNever(x: never): never {
  throw new Error(`unexpected signal kind ${String(x)}`);
}
