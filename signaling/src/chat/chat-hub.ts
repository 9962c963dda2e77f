import type { ChatMessage } from '@hypersend/protocol';
import type { Connection } from '../ws/connection.ts';
import type { MessageRecord } from './chat-store.ts';

/** Writes a frame to one connection (the gateway's `Sender`). */
export interface FrameSink {
  send(conn: Connection, frame: string): boolean;
}

/** A connection's catch-up in progress: live messages wait here, see {@link ChatHub.beginSync}. */
interface SyncState {
  held: MessageRecord[];
  /** Highest seq sent per conversation by the catch-up. */
  sent: Map<string, number>;
}

/**
 * The chat side of the connections on this node: which devices receive chat frames (those that
 * sent `chat.sync`), and delivery of messages to them, each device getting only its own
 * envelope. While a device catches up, live messages for it are held and merged afterwards, so
 * nothing is sent twice or overtakes an older message.
 *
 * Like the signaling `Bus`, this is per node: several signaling nodes need a shared fan-out.
 *
 * @example
 * const hub = new ChatHub();
 * hub.bind(sender);
 * hub.deliver(['u_bob'], record);
 */
export class ChatHub {
  private readonly byUser = new Map<string, Set<Connection>>();
  private readonly syncing = new WeakMap<Connection, SyncState>();
  private sink: FrameSink | undefined;

  /** Set the frame writer (the gateway's sender) once the gateway exists. */
  bind(sink: FrameSink): void {
    this.sink = sink;
  }

  /** Start a catch-up for `conn`: from now on it receives chat frames, live ones held back. */
  beginSync(conn: Connection): void {
    let set = this.byUser.get(conn.userId);
    if (set === undefined) {
      set = new Set();
      this.byUser.set(conn.userId, set);
    }
    set.add(conn);
    if (!this.syncing.has(conn)) this.syncing.set(conn, { held: [], sent: new Map() });
  }

  /** Send one caught-up message to `conn` (during its sync). */
  sendCatchUp(conn: Connection, message: MessageRecord): void {
    const state = this.syncing.get(conn);
    state?.sent.set(message.conversationId, message.seq);
    this.write(conn, messageFrame(message, conn));
  }

  /** End the catch-up: send what was held, in order, skipping what the catch-up already sent. */
  endSync(conn: Connection): void {
    const state = this.syncing.get(conn);
    this.syncing.delete(conn);
    if (state === undefined) return;
    for (const message of state.held) {
      if (message.seq <= (state.sent.get(message.conversationId) ?? 0)) continue;
      state.sent.set(message.conversationId, message.seq);
      this.write(conn, messageFrame(message, conn));
    }
  }

  /** Deliver a stored message to every chat connection of `userIds`. */
  deliver(userIds: Iterable<string>, message: MessageRecord): number {
    let delivered = 0;
    for (const conn of this.connectionsOf(userIds)) {
      const state = this.syncing.get(conn);
      if (state !== undefined) state.held.push(message);
      else if (this.write(conn, messageFrame(message, conn))) delivered++;
    }
    return delivered;
  }

  /** Send a ready frame to every chat connection of `userIds`, except `skip`. */
  broadcast(userIds: Iterable<string>, frame: string, skip?: Connection): void {
    for (const conn of this.connectionsOf(userIds)) if (conn !== skip) this.write(conn, frame);
  }

  /** Chat connections of one user right now (for tests and metrics). */
  connectionCount(userId: string): number {
    return [...this.connectionsOf([userId])].length;
  }

  private *connectionsOf(userIds: Iterable<string>): Generator<Connection> {
    for (const user of new Set(userIds)) {
      const set = this.byUser.get(user);
      if (set === undefined) continue;
      for (const conn of set) {
        // Closed connections are forgotten lazily: the gateway owns their life cycle.
        if (conn.closed || conn.replaced) set.delete(conn);
        else yield conn;
      }
      if (set.size === 0) this.byUser.delete(user);
    }
  }

  private write(conn: Connection, frame: string): boolean {
    if (conn.closed || conn.closing || this.sink === undefined) return false;
    return this.sink.send(conn, frame);
  }
}

/** The wire form of a message for one device: only its envelope, nothing about other devices. */
export function toWireMessage(m: MessageRecord, user: string, device: string): ChatMessage {
  const mine = m.envelopes.find((e) => e.user === user && e.device === device);
  return {
    conversation: m.conversationId,
    seq: m.seq,
    messageId: m.messageId,
    sender: { user: m.senderUser, device: m.senderDevice },
    kind: m.kind,
    sentAt: m.sentAt,
    ...(mine === undefined ? {} : { envelope: { nonce: mine.nonce, box: mine.box } }),
    ...(m.transferId === null ? {} : { transferId: m.transferId }),
    ...(m.system === null ? {} : { system: m.system }),
    ...(m.deletedAt === null ? {} : { deletedAt: m.deletedAt }),
  };
}

function messageFrame(m: MessageRecord, conn: Connection): string {
  return JSON.stringify({ type: 'chat.message', message: toWireMessage(m, conn.userId, conn.deviceId) });
}
