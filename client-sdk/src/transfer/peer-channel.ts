// FrameChannel over a PeerSession's file data channel (Node and browsers).
import type { HypersendError } from '../errors.ts';
import type { PeerSession } from '../webrtc/peer-session.ts';
import type { FrameChannel, TransferPath } from './frame-channel.ts';

/**
 * Adapt a connected {@link PeerSession} to the engine's {@link FrameChannel}. `send` is the
 * session's watermark-backpressured send; a session error (ICE failure, channel error) is passed
 * to `onClose` so the engine can tell a failure from a clean close.
 *
 * @example
 * await session.ready;
 * sender.attach(peerSessionChannel(session));
 */
/**
 * A receiver acknowledges at least every few MiB and within 20 ms of going idle; 20 s without a
 * word while data is unacknowledged means it is gone, even if ICE has not noticed yet.
 */
export const PEER_SILENCE_LIMIT_MS = 20_000;

export function peerSessionChannel(session: PeerSession): FrameChannel {
  let lastError: HypersendError | undefined;
  session.on('error', (e) => {
    lastError = e;
  });
  return {
    // Attached before the session connects (so no early frame is missed): sends wait for it.
    send: (frame) =>
      session.connected ? session.send(frame) : session.ready.then(() => session.send(frame)),
    onFrame: (handler) => session.on('message', handler),
    onClose: (handler) => session.on('close', (reason) => handler(lastError, reason === 'peer')),
    // `maxMessageSize` is read from the SCTP transport at connect; a session that never
    // connects rejects `ready`, which here means "unknown".
    maxFrameBytes: () =>
      session.ready.then(
        () => session.maxMessageSize,
        () => undefined,
      ),
    async path(): Promise<TransferPath | undefined> {
      try {
        return await session.selectedPath();
      } catch {
        return undefined; // not selected yet, or closed: progress just omits it
      }
    },
    silenceLimitMs: PEER_SILENCE_LIMIT_MS,
    close: () => session.close(),
  };
}
