// The seam between the transfer engine and whatever carries its frames: a PeerSession data
// channel in production (peer-channel.ts), an in-memory pair in unit tests (memory-channel.ts).
import type { HypersendError } from '../errors.ts';

/** Network path a transfer is using, as reported in progress events. */
export type TransferPath = 'direct' | 'turn' | 'relay';

/**
 * An ordered, reliable, message-preserving frame pipe to one peer.
 *
 * @example
 * const off = channel.onFrame((f) => handle(f));
 * await channel.send(encodeFrame({ type: 'ack', next: 3 })); // awaiting is the backpressure
 * channel.close();
 */
export interface FrameChannel {
  /**
   * Send one frame. Resolves once the frame is handed to the transport; the promise only stays
   * pending while the transport's buffer is above its high watermark, so awaiting each call keeps
   * the buffer between the watermarks. Ownership of `frame` passes to the channel.
   */
  send(frame: Uint8Array): Promise<void>;
  /** Frames from the peer, in order. Returns the unsubscribe function. */
  onFrame(handler: (frame: Uint8Array) => void): () => void;
  /**
   * Called once when the channel is gone (either side closed it, or the connection failed; `err`
   * tells which failure; `byPeer` that the peer said goodbye, e.g. its page went away, rather than
   * the connection being lost). The transfer survives this: it waits for a new channel (`attach`).
   */
  onClose(handler: (err?: HypersendError, byPeer?: boolean) => void): () => void;
  /**
   * Largest frame the transport carries (a data channel's `maxMessageSize`), once connected;
   * `undefined` when unknown or unlimited. Receivers advertise the chunk size it allows in HELLO;
   * senders refuse to start with chunks that would not fit.
   */
  maxFrameBytes?(): Promise<number | undefined>;
  /** Path of the connection, for progress events; `undefined` while unknown. */
  path?(): Promise<TransferPath | undefined>;
  /**
   * How long the peer may stay silent while frames of ours await its acknowledgement before the
   * sender treats the channel as lost (→ `disconnected`, then a resume on a new channel). Covers a
   * peer that vanished without closing: a reloaded page whose connection lingers, a suspended
   * laptop. Unset: never (the relay acknowledges whole uploads, which take as long as they take).
   */
  readonly silenceLimitMs?: number;
  /** Close the channel; idempotent. */
  close(): void;
}
