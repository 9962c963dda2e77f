import type { Connection } from './connection.ts';

/**
 * Live connections of this process, by device and by user, plus the per-user and per-IP
 * counters behind the connection caps. Counters include upgrades still authenticating
 * ("reservations"), so a burst of parallel upgrades cannot overshoot a cap while each one
 * awaits the token check.
 */
export class ConnectionRegistry {
  private readonly byKey = new Map<string, Connection>();
  private readonly byUser = new Map<string, Set<Connection>>();
  private readonly perUser = new Map<string, number>();
  private readonly perIp = new Map<string, number>();

  constructor(private readonly limits: { connectionsPerUser: number; connectionsPerIp: number }) {}

  /** Open connections. */
  get size(): number {
    return this.byKey.size;
  }

  /** Hold one slot of `ip`'s cap; false when the IP is at its cap. Pair with `releaseIp`. */
  reserveIp(ip: string): boolean {
    return reserve(this.perIp, ip, this.limits.connectionsPerIp);
  }

  releaseIp(ip: string): void {
    release(this.perIp, ip);
  }

  /**
   * Hold one slot of `userId`'s cap. A device that is already connected may always reconnect
   * (the new connection replaces the old), so it gets one slot of headroom.
   */
  reserveUser(userId: string, key: string): boolean {
    const cap = this.limits.connectionsPerUser + (this.byKey.has(key) ? 1 : 0);
    return reserve(this.perUser, userId, cap);
  }

  releaseUser(userId: string): void {
    release(this.perUser, userId);
  }

  /** Register an opened connection; returns the connection of the same device it replaces. */
  add(conn: Connection): Connection | undefined {
    const previous = this.byKey.get(conn.key);
    this.byKey.set(conn.key, conn);
    let set = this.byUser.get(conn.userId);
    if (set === undefined) {
      set = new Set();
      this.byUser.set(conn.userId, set);
    }
    set.add(conn);
    return previous;
  }

  /** Forget a closed connection. True when it was still the device's current connection. */
  remove(conn: Connection): boolean {
    const set = this.byUser.get(conn.userId);
    if (set !== undefined) {
      set.delete(conn);
      if (set.size === 0) this.byUser.delete(conn.userId);
    }
    if (this.byKey.get(conn.key) !== conn) return false;
    this.byKey.delete(conn.key);
    return true;
  }

  /** The current connection of a device, if it is connected here. */
  get(key: string): Connection | undefined {
    return this.byKey.get(key);
  }

  /** Ready connections of a user's devices (replaced and closing ones excluded). */
  *devicesOf(userId: string): IterableIterator<Connection> {
    const set = this.byUser.get(userId);
    if (set === undefined) return;
    for (const conn of set) if (conn.ready && !conn.replaced && !conn.closed) yield conn;
  }

  /** Every open connection (a snapshot, safe to close while iterating). */
  all(): Connection[] {
    return [...this.byKey.values()];
  }
}

function reserve(counts: Map<string, number>, key: string, cap: number): boolean {
  const n = counts.get(key) ?? 0;
  if (n >= cap) return false;
  counts.set(key, n + 1);
  return true;
}

function release(counts: Map<string, number>, key: string): void {
  const n = (counts.get(key) ?? 0) - 1;
  if (n > 0) counts.set(key, n);
  else counts.delete(key);
}
