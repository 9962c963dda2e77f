import { HypersendError } from '../errors.ts';

/**
 * Stable codes for everything the WebRTC peer layer can fail at. Callers switch on `code`; the
 * message is for humans and may change.
 */
export type PeerErrorCode =
  /** ICE failed, or stayed disconnected longer than the session's failure timeout. */
  | 'peer_connection_failed'
  /** No connection within the connect timeout. */
  | 'peer_connect_timeout'
  /** Creating or applying an offer, answer or candidate failed. */
  | 'peer_negotiation_failed'
  /** The file data channel reported an error or refused a frame. */
  | 'data_channel_error'
  /** A frame is larger than the SCTP transport's `maxMessageSize`. */
  | 'frame_too_large'
  /** A frame starts with a zero byte, reserved for the session's own messages. */
  | 'frame_reserved'
  /** `send()` before `connect`, or `selectedPath()` before a candidate pair was selected. */
  | 'peer_not_connected'
  /** The session was closed (locally or by the peer) while the operation was pending. */
  | 'peer_closed'
  /** The injected WebRTC implementation could not create a peer connection. */
  | 'webrtc_unsupported';

/**
 * Typed error of the WebRTC peer layer: a {@link HypersendError} whose `code` is narrowed to the
 * peer codes (they are listed in `SdkErrorCode` too), so `HypersendError.is(e, 'peer_closed')`
 * works and peer-layer callers get an exhaustive union.
 *
 * @example
 * session.on('error', (e) => {
 *   if (e.code === 'peer_connection_failed') fallBackToRelay();
 * });
 */
export class PeerError extends HypersendError {
  override readonly name: string = 'PeerError';
  declare readonly code: PeerErrorCode;

  constructor(code: PeerErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options.cause === undefined ? {} : { cause: options.cause });
  }

  /** ICE failed, or stayed `disconnected`/`failed` for longer than `afterMs`. */
  static connectionFailed(state: string, afterMs?: number): PeerError {
    const why = afterMs === undefined ? state : `${state} for more than ${afterMs} ms`;
    return new PeerError('peer_connection_failed', `peer connection failed (ICE ${why})`);
  }

  /** The session is closed; pending and future sends are refused. */
  static closed(): PeerError {
    return new PeerError('peer_closed', 'peer session is closed');
  }

  /** The frame cannot be sent as one data-channel message. */
  static frameTooLarge(size: number, max: number): PeerError {
    return new PeerError('frame_too_large', `frame of ${size} bytes exceeds maxMessageSize ${max}`);
  }
}
