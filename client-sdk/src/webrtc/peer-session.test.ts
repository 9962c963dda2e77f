import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FixturePeer, is, startPair } from './fixtures/peer-pair.ts';

// Real @roamhq/wrtc peers, each in its own process; this process only relays signals.
// Small watermarks so a few MB are enough to drive backpressure through many cycles.
const CFG = { highWatermark: 256 * 1024, lowWatermark: 64 * 1024, pollMs: 2, failureTimeoutMs: 1500 };
const FRAME = 64 * 1024;
const CONNECT_MS = 30_000;
const TRANSFER_MS = 30_000;

const spawned: FixturePeer[] = [];
function pair(): { a: FixturePeer; b: FixturePeer } {
  const p = startPair(CFG);
  spawned.push(p.a, p.b);
  return p;
}
function killAll(): void {
  for (const p of spawned.splice(0)) p.kill();
}

async function connected(a: FixturePeer, b: FixturePeer): Promise<void> {
  await Promise.all([a.waitFor(is('connect'), CONNECT_MS), b.waitFor(is('connect'), CONNECT_MS)]);
}

describe('PeerSession between two processes', () => {
  let a: FixturePeer;
  let b: FixturePeer;

  beforeAll(async () => {
    ({ a, b } = pair());
    await connected(a, b);
  });
  afterAll(killAll);

  it('reads maxMessageSize from the SCTP transport', () => {
    const c = a.log.find(is('connect'));
    expect(c?.maxMessageSize).toBeGreaterThanOrEqual(FRAME);
  });

  it('transfers 4 MB intact and in order, keeping bufferedAmount under high + one frame', async () => {
    const bytes = 4 * 1024 * 1024;
    b.send({ t: 'expect', bytes });
    a.send({ t: 'send', bytes, frameBytes: FRAME, seed: 7, awaitEach: true });
    const [sent, got] = await Promise.all([
      a.waitFor(is('sent'), TRANSFER_MS),
      b.waitFor(is('received'), TRANSFER_MS),
    ]);
    expect(got.bytes).toBe(bytes);
    expect(got.inOrder).toBe(true);
    expect(got.sha256).toBe(sent.sha256);
    // Whether the real buffer ever fills depends on machine load (a slow producer never fills it);
    // frame-sender.test.ts proves the engaged case deterministically against a slow channel.
    expect(sent.maxBuffered).toBeLessThanOrEqual(CFG.highWatermark + FRAME);
  });

  it('bounds bufferedAmount even when the caller does not await each send (answerer → initiator)', async () => {
    const bytes = 3 * 1024 * 1024;
    a.log.length = 0;
    b.log.length = 0;
    a.send({ t: 'expect', bytes });
    b.send({ t: 'send', bytes, frameBytes: FRAME, seed: 11, awaitEach: false });
    const [sent, got] = await Promise.all([
      b.waitFor(is('sent'), TRANSFER_MS),
      a.waitFor(is('received'), TRANSFER_MS),
    ]);
    expect(got.inOrder).toBe(true);
    expect(got.sha256).toBe(sent.sha256);
    expect(sent.maxBuffered).toBeLessThanOrEqual(CFG.highWatermark + FRAME);
  });

  it("reports a 'direct' path on loopback", async () => {
    a.send({ t: 'path' });
    b.send({ t: 'path' });
    expect((await a.waitFor(is('path'), 10_000)).path).toBe('direct');
    expect((await b.waitFor(is('path'), 10_000)).path).toBe('direct');
  });

  it('survives an ICE restart requested by the answerer', async () => {
    a.log.length = 0;
    b.log.length = 0;
    b.send({ t: 'restart-ice' });
    await b.waitFor(is('restarted'), 10_000);
    // The restart offer/answer round trip went through the relay: the initiator sent an offer.
    await a.waitFor((m) => m.t === 'signal' && m.kind === 'offer', 10_000);
    const bytes = 512 * 1024;
    b.send({ t: 'expect', bytes });
    a.send({ t: 'send', bytes, frameBytes: FRAME, seed: 3, awaitEach: true });
    const got = await b.waitFor(is('received'), TRANSFER_MS);
    expect(got.inOrder).toBe(true);
    expect(a.log.some(is('error'))).toBe(false);
  });

  it('coalesces ICE restarts asked for by both ends at once (both renewing TURN credentials)', async () => {
    a.log.length = 0;
    b.log.length = 0;
    // Two renewals on the initiator and one request from the answerer, all in the same instant:
    // unserialized, the initiator would send three offers and fail on the second answer
    // ("Called in wrong state: stable").
    a.send({ t: 'restart-ice' });
    b.send({ t: 'restart-ice' });
    a.send({ t: 'restart-ice' });
    await Promise.all([
      a.waitFor((m) => a.log.filter(is('restarted')).length >= 2 || m.t === 'error', 20_000),
      b.waitFor(is('restarted'), 20_000),
    ]);
    await new Promise((r) => setTimeout(r, 2000)); // let any stray answer arrive
    const offers = a.log.filter((m) => m.t === 'signal' && m.kind === 'offer').length;
    expect(offers).toBeGreaterThanOrEqual(1);
    expect(offers).toBeLessThanOrEqual(2);
    const bytes = 512 * 1024;
    b.send({ t: 'expect', bytes });
    a.send({ t: 'send', bytes, frameBytes: FRAME, seed: 5, awaitEach: true });
    const got = await b.waitFor(is('received'), TRANSFER_MS);
    expect(got.inOrder).toBe(true);
    expect([...a.log, ...b.log].filter((m) => m.t === 'error' || m.t === 'close')).toEqual([]);
  });

  it('drops a duplicate answer that arrives with no offer outstanding', async () => {
    const answer = [...b.log].reverse().find((m) => m.t === 'signal' && m.kind === 'answer');
    if (answer?.t !== 'signal') throw new Error('the answerer sent no answer to replay');
    a.log.length = 0;
    a.send({ t: 'signal', kind: answer.kind, data: answer.data });
    a.send({ t: 'path' });
    expect((await a.waitFor(is('path'), 10_000)).path).toBe('direct');
    const bytes = 256 * 1024;
    b.log.length = 0;
    b.send({ t: 'expect', bytes });
    a.send({ t: 'send', bytes, frameBytes: FRAME, seed: 9, awaitEach: true });
    expect((await b.waitFor(is('received'), TRANSFER_MS)).inOrder).toBe(true);
    expect([...a.log, ...b.log].filter((m) => m.t === 'error' || m.t === 'close')).toEqual([]);
  });

  it('a local close is observed by the peer as close without error', async () => {
    a.send({ t: 'close' });
    expect((await a.waitFor(is('close'), 5_000)).reason).toBe('local');
    // The goodbye, not the channel closing under it, ended the peer's session.
    expect((await b.waitFor(is('close'), 10_000)).reason).toBe('peer');
    expect(b.log.some(is('error'))).toBe(false);
  });
});

describe('PeerSession lifecycle', () => {
  afterEach(killAll);

  it('the initiator observes the answerer closing', async () => {
    const { a, b } = pair();
    await connected(a, b);
    b.send({ t: 'close' });
    expect((await a.waitFor(is('close'), 10_000)).reason).toBe('peer');
    expect(a.log.some(is('error'))).toBe(false);
  });

  // Closing a connection under a peer that is sending used to kill that peer now and then
  // (SIGSEGV in @roamhq/wrtc's RTCDataChannel::Send; see PeerSession.close). With the goodbye
  // the sender stops, then closes: each round must end in a living sender that saw `peer`.
  it('a close while the peer is sending flat out stops the peer without crashing it', async () => {
    for (let round = 0; round < 4; round++) {
      const { a, b } = pair();
      await connected(a, b);
      b.send({ t: 'send', bytes: 1 << 30, frameBytes: FRAME, seed: round + 1, awaitEach: true });
      a.send({ t: 'expect', bytes: 2 * 1024 * 1024 });
      await a.waitFor(is('received'), TRANSFER_MS);
      a.send({ t: 'close' });
      expect((await b.waitFor(is('close'), 10_000)).reason).toBe('peer');
      // The sending loop saw its next send refused, not a dead process.
      const refused = await b.waitFor(is('fixture-failure'), 5_000);
      expect(refused.message).toMatch(/closed/);
      await new Promise((r) => setTimeout(r, CFG.failureTimeoutMs));
      expect(b.alive).toBe(true);
      killAll();
    }
  });

  it('reports peer_connection_failed within a bounded time when the peer process dies', async () => {
    const { a, b } = pair();
    await connected(a, b);
    const killedAt = Date.now();
    b.kill();
    const err = await a.waitFor(is('error'), 30_000);
    expect(err.code).toBe('peer_connection_failed');
    expect((await a.waitFor(is('close'), 1_000)).reason).toBe('lost');
    // ICE notices the silence within a few seconds, then the 1.5 s grace period runs out.
    expect(Date.now() - killedAt).toBeLessThan(30_000);
  });
});
