/**
 * IPC messages between a benchmark parent and its two child peers. The parent only relays
 * `signal` payloads (it never looks inside), so raw and PeerSession children share one harness.
 */

/** Settings handed to a child on its command line (JSON). */
export interface ChildConfig {
  role: 'sender' | 'receiver';
  /** Total payload bytes the sender blasts and the receiver waits for. */
  bytes: number;
  /** Size of each data-channel message. */
  messageBytes: number;
  highWatermark: number;
  lowWatermark: number;
  pollMs: number;
}

/** Parent → child. */
export type ToChild = { t: 'signal'; data: unknown } | { t: 'start' } | { t: 'exit' };

/** Child → parent. Times are `performance.timeOrigin + performance.now()` so processes compare. */
export type FromChild =
  | { t: 'signal'; data: unknown }
  | { t: 'connected' }
  | { t: 'first-send'; at: number }
  | { t: 'sent'; at: number; maxBuffered: number }
  | { t: 'done'; bytes: number; firstAt: number; lastAt: number }
  | { t: 'error'; message: string };

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
