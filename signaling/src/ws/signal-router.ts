import { ErrorCode, type SignalRequest } from '@hypersend/protocol';
import type { ServerContext } from '../context.ts';
import { type Bus, deviceKey } from './bus.ts';
import type { Connection } from './connection.ts';
import { ackFrame, signalFrame } from './frames.ts';
import { canReachCached, deviceExistsCached } from './reach.ts';
import type { ReachCache } from './reach-cache.ts';
import type { Sender } from './sender.ts';
import type { WsCounters } from './ws-metrics.ts';

/** One message for "no such user", "no such device" and "not your contact", so none can be told apart. */
const NOT_REACHABLE_MESSAGE = 'recipient is not reachable';
const PEER_OFFLINE_MESSAGE = 'device is not connected; use the relay';

/**
 * Routes WebRTC signals between devices. With a warm relationship cache the whole path is
 * synchronous: one cache lookup, one string concatenation (the sender's frame head is
 * prebuilt; only `data` is serialized), one bus publish and an ack.
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

  /** Route one validated signal; returns a promise only when it had to wait for a lookup. */
  route(conn: Connection, msg: SignalRequest): Promise<void> | undefined {
    const reach = canReachCached(this.ctx, this.cache, conn, msg.to.user);
    if (reach === true) return this.deliver(conn, msg);
    if (reach === false) {
      this.notReachable(conn, msg.id);
      return undefined;
    }
    return reach.then((ok) => (ok ? this.deliver(conn, msg) : this.notReachable(conn, msg.id)));
  }

  private deliver(conn: Connection, msg: SignalRequest): Promise<void> | undefined {
    const to = msg.to;
    const key = deviceKey(to.user, to.device);
    if (this.bus.publish(key, signalFrame(conn.signalHead, msg))) {
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
