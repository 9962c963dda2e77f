// SignalTransport for one PeerSession over the shared signaling connection.
import type { DeviceAddress, SignalKind } from '@hypersend/protocol';
import type { IncomingSignal } from '../signaling/signaling-client.ts';
import type { SignalData, SignalTransport } from '../webrtc/webrtc-types.ts';

/** What {@link sessionSignals} needs from the client: send, and subscribe to every signal. */
export interface SignalBus {
  sendSignal(to: DeviceAddress, kind: SignalKind, sid: string, data: Record<string, unknown>): Promise<void>;
  onSignal(handler: (s: IncomingSignal) => void): () => void;
}

/** Called when a negotiation signal could not be delivered (peer went offline meanwhile). */
export type SignalSendError = (err: unknown) => void;

/**
 * Bind a {@link SignalTransport} to one peer device and one session id: only negotiation signals
 * (`offer`/`answer`/`candidate`/`renegotiate`) from exactly that device with exactly that `sid`
 * reach the session, so a stale session or another device cannot inject candidates.
 *
 * @example
 * const signal = sessionSignals(bus, { user: bobId, device: bobPhone }, sid);
 * const session = new PeerSession({ initiator: true, signal, wrtc: nodeWebRtc });
 */
export function sessionSignals(
  bus: SignalBus,
  peer: DeviceAddress,
  sid: string,
  onSendError: SignalSendError = () => undefined,
): SignalTransport {
  return {
    send(kind: SignalKind, data: SignalData): void {
      // PeerSession's seam is fire-and-forget; a lost candidate shows up as an ICE failure.
      bus.sendSignal(peer, kind, sid, data).catch(onSendError);
    },
    onSignal(handler: (kind: SignalKind, data: SignalData) => void): () => void {
      return bus.onSignal((s) => {
        if (s.kind === 'transfer' || s.sid !== sid) return;
        if (s.from.user !== peer.user || s.from.device !== peer.device) return;
        handler(s.kind, s.data);
      });
    },
  };
}
