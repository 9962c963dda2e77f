import { ErrorCode, type SignalRequest } from '@hypersend/protocol';
import type { ServerContext } from '../context.ts';
import { type Bus, deviceKey } from './bus.ts';
import type { Connection } from './connection.ts';
import { ackFrame, signalFrame } from './frames.ts';
import { canReachCached, deviceExistsCached } from './reach.ts';
import type { ReachCache } from './reach-cache.ts';
import type { Sender } from './sender.ts';
import { forwardSignal, type ReceivedFrame } from './signal-forward.ts';
import type { WsCounters } from './ws-metrics.ts';

/** One message for "no such user", "no such device" and "not your contact", so none can be told apart. */
const NOT_REACHABLE_MESSAGE = 'recipient is not reachable';
const PEER_OFFLINE_MESSAGE = 'device is not connected; use the relay';

/**
 * Routes WebRTC signals between devices. With a warm relationship cache the whole path is
 * synchronous: the connection's memo of its last answer (or one cache lookup), the forwarded
 * frame built from the sender's prebuilt head and the payload's text as received
 * (`signal-forward.ts`; re-serialised only when that text is no longer at hand), one bus
 * publish and an ack.
 *
 * @example
 * const router = new SignalRouter(ctx, bus, sender, counters, reachCache);
 * const pending = router.route(conn, msg); // void, or a Promise while a lookup is in flight
 */
export class SignalRouter {
  constructor(
    private readonly ctx: ServerContext,
    private readonly bus: Bus,
    private readonly sender: Sender,
    private readonly counters: WsCounters,
    private readonly cache: ReachCache,
  ) {}

  /**
   * Route one validated signal; returns a promise only when it had to wait for a lookup.
   * `received` is the frame as the client sent it, valid during this call only.
   */
  route(conn: Connection, msg: SignalRequest, received?: ReceivedFrame): Promise<void> | undefined {
    const reach = canReachCached(this.ctx, this.cache, conn, msg.to.user);
    if (reach === true) return this.deliver(conn, msg, received);
    if (reach === false) {
      this.notReachable(conn, msg.id);
      return undefined;
    }
    return reach.then((ok) => (ok ? this.deliver(conn, msg) : this.notReachable(conn, msg.id)));
  }

  private deliver(conn: Connection, msg: SignalRequest, received?: ReceivedFrame): Promise<void> | undefined {
    const to = msg.to;
    const key = targetKey(conn, to.user, to.device);
    const frame =
      (received === undefined ? null : forwardSignal(conn, msg, received)) ??
      signalFrame(conn.signalHead, msg);
    if (this.bus.publish(key, frame)) {
      this.counters.signalRouted();
      if (msg.id !== undefined) this.sender.send(conn, ackFrame(msg.id));
      return undefined;
    }
    // Not delivered: a real device of a contact is "offline" (the SDK falls back to the relay);
    // an unknown device must look exactly like a stranger.
    const exists = deviceExistsCached(this.ctx, this.cache, conn, to.user, to.device, key);
    if (typeof exists === 'boolean') {
      this.undelivered(conn, msg.id, exists);
      return undefined;
    }
    return exists.then((e) => this.undelivered(conn, msg.id, e));
  }

  private undelivered(conn: Connection, ref: string | undefined, exists: boolean): void {
    if (exists) this.sender.error(conn, ErrorCode.peerOffline, PEER_OFFLINE_MESSAGE, ref);
    else this.notReachable(conn, ref);
  }

  private notReachable(conn: Connection, ref: string | undefined): void {
    this.sender.error(conn, ErrorCode.notReachable, NOT_REACHABLE_MESSAGE, ref);
  }
}

/** The bus key of `user/device`, reusing the one built for this connection's previous signal. */
function targetKey(conn: Connection, user: string, device: string): string {
  const last = conn.lastTarget;
  if (last !== null && last.user === user && last.device === device) return last.key;
  const key = deviceKey(user, device);
  conn.lastTarget = { user, device, key };
  return key;
}
