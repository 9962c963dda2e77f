/**
 * Session messages: the few messages `PeerSession` itself sends on the file channel, below the
 * transfer framing. They start with a zero byte, which no transfer frame does (frames start
 * with their version, 1 or more), then a type byte. Wire format: client-sdk/FORMAT.md §6.
 */

/** "I am closing this connection: stop sending, answer, and let me close it." */
export const BYE = Uint8Array.of(0, 1);
/** "Understood; I have stopped sending and will send nothing more." */
export const BYE_ACK = Uint8Array.of(0, 2);

/** What a file-channel message is: a session message, or a frame for the transfer engine. */
export type SessionMessageKind = 'bye' | 'bye-ack' | 'unknown-session-message' | 'frame';

export function sessionMessageKind(data: ArrayBuffer): SessionMessageKind {
  const bytes = new Uint8Array(data, 0, Math.min(data.byteLength, 2));
  if (bytes.length === 0 || bytes[0] !== 0) return 'frame';
  if (data.byteLength !== 2) return 'unknown-session-message';
  if (bytes[1] === BYE[1]) return 'bye';
  if (bytes[1] === BYE_ACK[1]) return 'bye-ack';
  return 'unknown-session-message';
}
