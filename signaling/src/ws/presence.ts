import type { DeviceAddress } from '@hypersend/protocol';
import type { ServerContext } from '../context.ts';
import type { Connection } from './connection.ts';
import type { ConnectionRegistry } from './connection-registry.ts';
import { presenceFrame, presenceSnapshotFrame } from './frames.ts';
import { canReachCached } from './reach.ts';
import type { ReachCache } from './reach-cache.ts';
import type { Sender } from './sender.ts';

/**
 * Presence: pushes `presence` frames when a device comes online or goes offline, and answers
 * `presence.query`. Only users related through `ctx.relationships` learn anything.
 * Presence is node-local for now: it reads this process's `ConnectionRegistry`.
 *
 * @example
 * presence.announce(conn, 'online');
 * await presence.query(conn, { type: 'presence.query', users: ['u2'] });
 */
export class Presence {
  /** Per-user chain of announcements so "online" never overtakes a later "offline". */
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    private readonly ctx: ServerContext,
    private readonly registry: ConnectionRegistry,
    private readonly sender: Sender,
    private readonly cache: ReachCache,
  ) {}

  /** Tell the user's audience and the user's other devices that `conn`'s device changed state. */
  announce(conn: Connection, state: 'online' | 'offline'): void {
    const user = conn.userId;
    const previous = this.chains.get(user) ?? Promise.resolve();
    const next = previous.then(() => this.push(conn, state));
    this.chains.set(user, next);
    void next.finally(() => {
      if (this.chains.get(user) === next) this.chains.delete(user);
    });
  }

  /** Wait until every announcement queued so far has been pushed (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all(this.chains.values());
  }

  private async push(conn: Connection, state: 'online' | 'offline'): Promise<void> {
    const frame = presenceFrame(conn.userId, conn.deviceId, state);
    for (const other of this.registry.devicesOf(conn.userId)) {
      if (other !== conn) this.sender.send(other, frame);
    }
    let audience: string[];
    try {
      audience = await this.ctx.relationships.audienceOf(conn.userId);
    } catch (err) {
      this.ctx.log.warn({ err, user: conn.userId }, 'presence audience lookup failed');
      return;
    }
    for (const user of new Set(audience)) {
      if (user === conn.userId) continue;
      for (const watcher of this.registry.devicesOf(user)) this.sender.send(watcher, frame);
    }
  }

  /** Answer `presence.query`: connected devices of the listed users the caller may reach. */
  async query(conn: Connection, users: readonly string[], ref: string | undefined): Promise<void> {
    const unique = [...new Set(users)];
    const reachable = await Promise.all(
      unique.map((user) => canReachCached(this.ctx, this.cache, conn, user)),
    );
    const online: DeviceAddress[] = [];
    for (let i = 0; i < unique.length; i++) {
      const user = unique[i];
      if (user === undefined || reachable[i] !== true) continue;
      for (const other of this.registry.devicesOf(user)) online.push({ user, device: other.deviceId });
    }
    this.sender.send(conn, presenceSnapshotFrame(online, ref));
  }
}
