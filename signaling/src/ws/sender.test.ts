import type { WebSocket } from 'uWebSockets.js';
import { describe, expect, it } from 'vitest';
import { METRIC_DEFINITIONS } from '../metric-names.ts';
import { createMetrics } from '../metrics.ts';
import { type Connection, createConnection, type SocketData } from './connection.ts';
import { END, Sender } from './sender.ts';
import { WsCounters } from './ws-metrics.ts';

/** What the sender uses of a uWS socket, recording writes and cork scopes. */
class FakeSocket {
  readonly writes: Array<{ frame: string; corked: boolean }> = [];
  corks = 0;
  buffered = 0;
  /** Answer DROPPED (2) from this write on. */
  dropFrom = Number.POSITIVE_INFINITY;
  private corked = false;

  send(frame: string): number {
    if (this.writes.length >= this.dropFrom) return 2;
    this.writes.push({ frame, corked: this.corked });
    return 1;
  }
  cork(cb: () => void): this {
    this.corks += 1;
    this.corked = true;
    try {
      cb();
    } finally {
      this.corked = false;
    }
    return this;
  }
  getBufferedAmount(): number {
    return this.buffered;
  }
}

function setup(maxBackpressureBytes = 1 << 20) {
  const pending: Array<() => void> = [];
  const overflowed: Connection[] = [];
  const counters = new WsCounters(createMetrics(METRIC_DEFINITIONS));
  const sender = new Sender(counters, {
    maxBackpressureBytes,
    onOverflow: (conn) => overflowed.push(conn),
    schedule: (flush) => pending.push(flush),
  });
  const connect = (name: string) => {
    const socket = new FakeSocket();
    const conn = createConnection(
      { userId: name, deviceId: 'd', ip: '127.0.0.1', expiresAt: 0, tokenId: 't' },
      { wsRatePerSecond: 1, wsBurst: 1 },
      0,
      '',
    );
    conn.ws = socket as unknown as WebSocket<SocketData>;
    conn.ready = true;
    return { conn, socket };
  };
  const runTurn = () => {
    for (const flush of pending.splice(0)) flush();
  };
  return { sender, connect, runTurn, pending, overflowed };
}

describe('Sender (batched, corked writes)', () => {
  it('writes nothing until the turn ends, then each outbox in order inside one cork', () => {
    const { sender, connect, runTurn, pending } = setup();
    const a = connect('a');
    const b = connect('b');
    for (let i = 0; i < 50; i++) {
      expect(sender.send(a.conn, `a${i}`)).toBe(true);
      expect(sender.send(b.conn, `b${i}`)).toBe(true);
    }
    expect(a.socket.writes).toEqual([]);
    expect(pending).toHaveLength(1); // one flush per turn, however many frames
    runTurn();
    expect(a.socket.writes.map((w) => w.frame)).toEqual(Array.from({ length: 50 }, (_, i) => `a${i}`));
    expect(b.socket.writes.map((w) => w.frame)).toEqual(Array.from({ length: 50 }, (_, i) => `b${i}`));
    expect(a.socket.corks).toBe(1);
    expect(a.socket.writes.every((w) => w.corked)).toBe(true);
    // The next turn starts a fresh batch.
    sender.send(a.conn, 'later');
    expect(pending).toHaveLength(1);
    runTurn();
    expect(a.socket.writes.at(-1)?.frame).toBe('later');
  });

  it('keeps order across an explicit flush (a close) and later sends', () => {
    const { sender, connect, runTurn } = setup();
    const a = connect('a');
    sender.send(a.conn, '1');
    sender.send(a.conn, '2');
    sender.flush(a.conn);
    sender.send(a.conn, '3');
    runTurn();
    expect(a.socket.writes.map((w) => w.frame)).toEqual(['1', '2', '3']);
  });

  it('sends queued while a flush runs go out in order, in this turn or the next', () => {
    const { sender, connect, runTurn, pending } = setup();
    const a = connect('a');
    const b = connect('b');
    // Writing to b queues one more frame for a (already flushed) and one for b (being flushed).
    const write = b.socket.send.bind(b.socket);
    b.socket.send = (frame: string) => {
      if (frame === 'b1') {
        sender.send(a.conn, 'a2');
        sender.send(b.conn, 'b3');
      }
      return write(frame);
    };
    sender.send(a.conn, 'a1');
    sender.send(b.conn, 'b1');
    sender.send(b.conn, 'b2');
    runTurn();
    expect(b.socket.writes.map((w) => w.frame)).toEqual(['b1', 'b2', 'b3']);
    expect(a.socket.writes.map((w) => w.frame)).toEqual(['a1']);
    expect(pending).toHaveLength(1);
    runTurn();
    expect(a.socket.writes.map((w) => w.frame)).toEqual(['a1', 'a2']);
    sender.send(a.conn, 'a3');
    runTurn();
    expect(a.socket.writes.map((w) => w.frame)).toEqual(['a1', 'a2', 'a3']);
    expect([a.conn.outboxHead, b.conn.outboxHead]).toEqual([END, END]);
  });

  it('refuses frames for closed, closing or not yet ready connections and drops their outbox', () => {
    const { sender, connect, runTurn } = setup();
    const a = connect('a');
    const b = connect('b');
    const c = connect('c');
    b.conn.ready = false;
    c.conn.closing = true;
    sender.send(a.conn, 'queued');
    expect(sender.send(b.conn, 'x')).toBe(false);
    expect(sender.send(c.conn, 'x')).toBe(false);
    a.conn.closed = true;
    runTurn();
    expect(a.socket.writes).toEqual([]);
    expect([a.conn.outboxHead, a.conn.outboxTail]).toEqual([END, END]);
  });

  it('bounds uWS buffer plus outbox by maxBackpressure and reports the slow consumer', () => {
    const { sender, connect, runTurn, overflowed } = setup(100);
    const a = connect('a');
    a.socket.buffered = 60;
    expect(sender.send(a.conn, 'x'.repeat(30))).toBe(true);
    expect(sender.send(a.conn, 'y'.repeat(30))).toBe(false);
    expect(overflowed).toEqual([a.conn]);
    runTurn();
    expect(a.socket.writes.map((w) => w.frame)).toEqual(['x'.repeat(30)]);
    expect(a.conn.outboxBytes).toBe(0);
  });

  it('stops writing an outbox at the first frame uWS drops', () => {
    const { sender, connect, runTurn } = setup();
    const a = connect('a');
    a.socket.dropFrom = 2;
    for (const f of ['1', '2', '3', '4']) sender.send(a.conn, f);
    runTurn();
    expect(a.socket.writes.map((w) => w.frame)).toEqual(['1', '2']);
    expect([a.conn.outboxHead, a.conn.outboxTail]).toEqual([END, END]);
  });
});
