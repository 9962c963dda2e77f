// Detects a dead signaling path while the socket still looks open (NAT timeout, sleeping laptop):
// ping when the connection has been quiet, drop it when the ping goes unanswered.
import type { Clock, TimerHandle } from '../api/runtime.ts';
import { HypersendError } from '../errors.ts';

/** One connection's view for the heartbeat. */
export interface HeartbeatTarget {
  /** Still the same, open connection (a stale timer does nothing). */
  live(): boolean;
  /** Send a ping answered within `timeoutMs`; `undefined` when there is no socket to send on. */
  ping(timeoutMs: number): Promise<void> | undefined;
  /** The ping timed out: give up on the connection. */
  dead(): void;
}

/**
 * Pings when the connection has been quiet in either direction for half a heartbeat; a ping
 * unanswered within a heartbeat means the path is dead and the socket is dropped at once rather
 * than waiting for TCP to notice.
 *
 * @example
 * const hb = new IdleHeartbeat(clock);
 * hb.start(hello.heartbeatMs, { live, ping: (ms) => sendPing(ms), dead: () => drop() });
 * hb.received(); // on every frame
 * hb.stop();
 */
export class IdleHeartbeat {
  private timer: TimerHandle | undefined;
  private lastSent = 0;
  private lastReceived = 0;

  constructor(private readonly clock: Clock) {}

  /** A frame went out now. */
  sent(): void {
    this.lastSent = this.clock.now();
  }

  /** A frame came in now. */
  received(): void {
    this.lastReceived = this.clock.now();
  }

  /** Check every half heartbeat (at least every second) until {@link stop} or the target dies. */
  start(heartbeatMs: number, target: HeartbeatTarget): void {
    const interval = Math.max(1_000, heartbeatMs / 2);
    this.timer = this.clock.setTimeout(() => {
      if (!target.live()) return;
      const now = this.clock.now();
      if (now - this.lastSent >= interval || now - this.lastReceived >= interval) {
        const answered = target.ping(heartbeatMs);
        if (answered === undefined) return;
        this.lastSent = now;
        answered.catch((err: unknown) => {
          if (HypersendError.is(err, 'timeout')) target.dead();
        });
      }
      this.start(heartbeatMs, target);
    }, interval);
  }

  /** Cancel the next check. */
  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
