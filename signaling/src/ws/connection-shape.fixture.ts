/**
 * Run by `connection.test.ts` under `node --allow-natives-syntax`: builds connections as the
 * gateway does, writes their fields as the hot path does, and prints how many share the first
 * one's hidden class (V8 map). Not a test file itself: natives syntax needs its own process.
 */
import { createConnection } from './connection.ts';

const hasSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
const COUNT = 64;
const conns = Array.from({ length: COUNT }, (_, i) => {
  const conn = createConnection(
    {
      userId: `user-${'x'.repeat(i % 7)}${i}`,
      deviceId: `d${i}`,
      ip: `10.0.0.${i}`,
      expiresAt: 1_800_000_000 + i * 0.5,
      tokenId: `t${i}`,
    },
    { wsRatePerSecond: 50, wsBurst: 200 },
    Date.now() + i,
    `head${i}`,
  );
  // What `open`, the sender, the router and the message handler write, in their order.
  conn.ws = { send: () => 1 } as never;
  conn.unsubscribe = () => {};
  conn.expiryTimer = setTimeout(() => {}, 0);
  conn.ready = true;
  conn.outboxHead = i;
  conn.outboxTail = i + 1;
  conn.outboxBytes = 100 + i;
  conn.busy = i % 2 === 0;
  conn.lastTarget = { user: 'u', device: 'd', key: 'u/d' };
  conn.forwardHead = 'h';
  conn.forwardKind = 'candidate';
  conn.forwardSid = `s${i}`;
  conn.reach.toUser = 'u';
  conn.outboxBytes = 0;
  return conn;
});
const first = conns[0] as object;
process.stdout.write(
  `${JSON.stringify({ count: COUNT, sameMap: conns.filter((c) => hasSameMap(c, first)).length })}\n`,
);
for (const c of conns) if (c.expiryTimer) clearTimeout(c.expiryTimer);
