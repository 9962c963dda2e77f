/**
 * Load-generator worker of the signaling benchmark, forked by `bench/src/signaling.ts` with its
 * `LoadWorkerConfig` as argv[2]. It provisions its slice of users, holds one authenticated
 * WebSocket per user, and drives the throughput and latency phases on command.
 * Every microsecond spent here is taken from the same two cores the server runs on, so the
 * sockets are the minimal client of `signaling-ws-client.ts` (signals are precomputed masked
 * frames with only the timestamp filled in), and frames are checked by comparing bytes instead
 * of `JSON.parse`: a signal must start exactly as the server forwards one from this socket's
 * pair peer (type, sender user and device, kind, session), else it is counted as `wrong_signal`.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WS_BEARER_PREFIX, WS_SUBPROTOCOL } from '@hypersend/protocol';
import { externalUserId } from '../../../signaling/src/auth/external-tokens.ts';
import { LoopStalls } from './loop-stalls.ts';
import { LatencyHistogram } from './signaling-histogram.ts';
import {
  type FrameCounts,
  type FromLoadWorker,
  GcPauses,
  type LoadWorkerConfig,
  loopDelaySummary,
  type ToLoadWorker,
} from './signaling-ipc.ts';
import { type BenchIdentity, bounded, provisionPairs } from './signaling-provision.ts';
import { benchSubject, tokenMinter } from './signaling-tokens.ts';
import { MaskedTemplate, openRawWs, type RawWs } from './signaling-ws-client.ts';

const MAX_WINDOW_PER_PAIR = 64;
/** The longest a phase waits for the previous one's signals still in flight. */
const DRAIN_LIMIT_MS = 15_000;
const CONNECT_TIMEOUT_MS = 30_000;
/** `{"type":"` is 9 bytes; the next byte tells the frame types the hot path cares about apart. */
const TYPE_BYTE = 9;
/**
 * The send timestamp is the last member of the payload, so a signal ends with `"t":<ms>}}`
 * (peerjs-server re-serialises the frame, so the padding is gone: the number ends at its `}`).
 */
const T_MARK = Buffer.from('"t":');
const CLOSE_BRACE = '}'.charCodeAt(0);
/**
 * The timestamp field is padded to a fixed width with leading spaces (JSON allows whitespace
 * before a value), so a signal's length never changes and its frame can be precomputed.
 */
const T_WIDTH = 16;
/** A candidate-sized payload, like the trickle-ICE signals that dominate real signaling traffic. */
const CANDIDATE =
  '"candidate":"candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr 0.0.0.0 rport 0 ' +
  'generation 0 ufrag sWgP network-cost 999","sdpMid":"0","sdpMLineIndex":0';

const config = JSON.parse(process.argv[2] ?? '{}') as LoadWorkerConfig;
const peerjs = config.target === 'peerjs';
if (peerjs && config.ack) throw new Error('--ack: peerjs-server has no acknowledgements');
/** First byte after `{"type":"` of a routed signal, the server's greeting and an ack (-1: none). */
const S = (peerjs ? 'C' : 's').charCodeAt(0);
const H = (peerjs ? 'O' : 'h').charCodeAt(0);
const A = peerjs ? -1 : 'a'.charCodeAt(0);
const toParent = (msg: FromLoadWorker): void => {
  if (process.send && process.connected) process.send(msg);
};

const mint = peerjs ? (i: number) => `t${i}` : tokenMinter({ ...config, publicKeyPem: '' });
const ids: BenchIdentity[] = Array.from({ length: config.users }, (_, k) => {
  const index = config.firstUser + k;
  return {
    index,
    // peerjs-server knows no users or devices: a peer id per connection is all it routes by.
    userId: peerjs ? `p${index}` : externalUserId(config.issuer, benchSubject(index)),
    deviceId: `d${index}`,
    token: mint(index),
  };
});
const pairs = config.users / 2;
const sockets: Array<RawWs | undefined> = new Array(config.users);
/** Frame head addressed from local socket k to its pair peer (k ^ 1), built once. */
const heads = ids.map((_, k) => {
  const peer = ids[k ^ 1]!;
  const sid = `s${config.firstUser + (k & ~1)}`;
  // PeerJS clients send a candidate as `{candidate, type: 'data', connectionId}` to a peer id.
  if (peerjs)
    return `{"type":"CANDIDATE","dst":"${peer.userId}","payload":{"type":"data","connectionId":"${sid}",`;
  return (
    `{"type":"signal","to":{"user":"${peer.userId}","device":"${peer.deviceId}"},` +
    `"kind":"candidate","sid":"${sid}","data":{`
  );
});
/** The signal from socket k without a request id, masked once; only the timestamp changes. */
const templates = heads.map((head) => new MaskedTemplate(`${head}${CANDIDATE},"t":`, T_WIDTH, '}}'));
/** How a signal forwarded to socket k from its pair peer must begin, byte for byte. */
const expectedHeads = ids.map((_, k) => {
  const peer = ids[k ^ 1]!;
  const sid = `s${config.firstUser + (k & ~1)}`;
  if (peerjs)
    return Buffer.from(
      `{"type":"CANDIDATE","src":"${peer.userId}","dst":"${ids[k]!.userId}","payload":{"type":"data","connectionId":"${sid}",`,
    );
  return Buffer.from(
    `{"type":"signal","from":{"user":"${peer.userId}","device":"${peer.deviceId}"},` +
      `"kind":"candidate","sid":"${sid}","data":`,
  );
});

let requestId = 0;

type Phase = 'idle' | 'throughput' | 'latency';
let phase: Phase = 'idle';
let running = false;
let delivered = 0;
let received = 0;
let acks = 0;
let phaseStart = 0;
/** Signals sent and signals received back, over all phases: their difference is in flight. */
let signalsSent = 0;
let signalsSeen = 0;
let histogram = new LatencyHistogram();
let other: FrameCounts = {};
const closes: Record<string, number> = {};
const helloWaiters: Array<(() => void) | undefined> = new Array(config.users);

const count = (counts: Record<string, number>, key: string): void => {
  counts[key] = (counts[key] ?? 0) + 1;
};

function send(k: number): void {
  const ws = sockets[k];
  if (ws === undefined || !ws.open) return;
  if (config.ack) {
    const t = performance.now().toFixed(3).padStart(T_WIDTH);
    // Request ids change the length: built and masked in full (only with --ack).
    ws.sendText(
      `${heads[k]!.replace('"data":{', `"id":"${(requestId++).toString(36)}","data":{`)}${CANDIDATE},"t":${t}}}`,
    );
  } else ws.sendFrame(templates[k]!.fillFixed3(performance.now()));
  signalsSent += 1;
}

/** Where `"t":` starts in a frame that ends exactly as we built it: `"t":<T_WIDTH bytes>}}`. */
const T_FROM_END = T_MARK.length + T_WIDTH + 2;
const SPACE = 0x20;
const DOT = 0x2e;

/**
 * The fixed-width timestamp at the end of `data[start, end)` parsed in place (no native calls,
 * no string): the common case, since our server forwards the payload bytes as sent. NaN when the
 * frame does not end that way.
 */
function paddedSendTime(data: Buffer, start: number, end: number): number {
  const at = end - T_FROM_END;
  if (at < start || data[end - 1] !== CLOSE_BRACE || data[end - 2] !== CLOSE_BRACE) return Number.NaN;
  for (let i = 0; i < T_MARK.length; i++) if (data[at + i] !== T_MARK[i]) return Number.NaN;
  let micros = 0;
  let decimals = -1;
  let digits = 0;
  for (let i = at + T_MARK.length; i < end - 2; i++) {
    const c = data[i] as number;
    if (c === SPACE && digits === 0) continue;
    if (c === DOT && decimals < 0) decimals = 0;
    else if (c >= 0x30 && c <= 0x39) {
      micros = micros * 10 + (c - 0x30);
      digits += 1;
      if (decimals >= 0) decimals += 1;
    } else return Number.NaN;
  }
  return digits === 0 || decimals !== 3 ? Number.NaN : micros / 1000;
}

/** The `t` of a forwarded signal in `data[start, end)`, or NaN when it does not end as we built it. */
function sendTime(data: Buffer, start: number, end: number): number {
  const padded = paddedSendTime(data, start, end);
  if (!Number.isNaN(padded)) return padded;
  // Re-serialised on the way (peerjs-server, or a payload not forwarded as sent): search for it.
  const at = data.lastIndexOf(T_MARK, end - 1);
  if (at < start) return Number.NaN;
  const close = data.indexOf(CLOSE_BRACE, at);
  return close < 0 || close >= end ? Number.NaN : Number(data.toString('latin1', at + T_MARK.length, close));
}

function onFrame(k: number, data: Buffer, start: number, end: number): void {
  const now = performance.now();
  const type = data[start + TYPE_BYTE];
  if (type === S) {
    const head = expectedHeads[k]!;
    if (end - start < head.length || data.compare(head, 0, head.length, start, start + head.length) !== 0) {
      count(other, 'wrong_signal');
      return;
    }
    const t = sendTime(data, start, end);
    signalsSeen += 1;
    if (Number.isNaN(t)) {
      count(other, 'bad_timestamp');
      return;
    }
    if (phase === 'throughput' && running && t >= phaseStart) {
      delivered += 1;
      histogram.record(now - t);
      // Closed loop: every delivery makes the receiver answer its peer, keeping the window full.
      send(k);
    } else if (phase === 'latency' && t >= phaseStart) {
      received += 1;
      histogram.record(now - t);
    } else count(other, 'late_signal');
    return;
  }
  if (type === A) {
    acks += 1;
    return;
  }
  if (type === H) {
    helloWaiters[k]?.();
    helloWaiters[k] = undefined;
    return;
  }
  // Rare frames (presence, errors): worth a real parse to report what they were.
  try {
    const msg = JSON.parse(data.toString('utf8', start, end)) as { type?: string; code?: string };
    count(other, msg.type === 'error' ? `error:${msg.code}` : String(msg.type));
  } catch {
    count(other, 'unparsable');
  }
}

function open(k: number): Promise<string | null> {
  const id = ids[k]!;
  return new Promise((resolve) => {
    let settled = false;
    const done = (failure: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      helloWaiters[k] = undefined;
      resolve(failure);
    };
    const timer = setTimeout(() => {
      sockets[k]?.terminate();
      done('timeout');
    }, CONNECT_TIMEOUT_MS);
    // The first frame, `hello`, proves the server accepted the credential and the device.
    helloWaiters[k] = () => done(null);
    openRawWs({
      url: peerjs
        ? `${config.wsUrl}?key=peerjs&id=${id.userId}&token=${id.token}`
        : `${config.wsUrl}?device=${encodeURIComponent(id.deviceId)}`,
      protocols: peerjs ? [] : [WS_SUBPROTOCOL, `${WS_BEARER_PREFIX}${id.token}`],
      timeoutMs: CONNECT_TIMEOUT_MS,
      events: {
        onText: (data, start, end) => onFrame(k, data, start, end),
        onClose: (reason) => {
          count(closes, reason);
          done(reason);
        },
      },
    }).then(
      (ws) => {
        sockets[k] = ws;
      },
      (err: unknown) => done(err instanceof Error ? err.message : String(err)),
    );
  });
}

/**
 * A connection dropped without a close frame between the 101 and `hello` is opened again, as the
 * SDK's reconnect would. Cause (ours): uWS 20.30's `cork()` after an asynchronous `upgrade()`
 * can misread the new WebSocket's memory as HTTP state and close it (uNetworking/uWebSockets
 * #1928, fixed upstream by PR #1929 in builds that need a newer glibc than this machine has);
 * about 1 in 10,000 upgrades here. Each retry is counted and reported, not hidden.
 */
const RETRY_BEFORE_HELLO = 'close 1006';
const MAX_CONNECT_ATTEMPTS = 3;

async function connectAll(): Promise<FromLoadWorker> {
  const t0 = performance.now();
  const failures: Record<string, number> = {};
  const retries: Record<string, number> = {};
  let failed = 0;
  await bounded(config.users, config.connectConcurrency, async (k) => {
    let failure = await open(k);
    for (let attempt = 1; failure === RETRY_BEFORE_HELLO && attempt < MAX_CONNECT_ATTEMPTS; attempt++) {
      count(retries, failure);
      failure = await open(k);
    }
    if (failure !== null) {
      failed += 1;
      count(failures, failure);
    }
  });
  return { t: 'connected', held: openCount(), failed, ms: performance.now() - t0, failures, retries };
}

function openCount(): number {
  let n = 0;
  for (const ws of sockets) if (ws?.open) n += 1;
  return n;
}

function resetCounters(next: Phase): void {
  phase = next;
  delivered = 0;
  received = 0;
  acks = 0;
  other = {};
  histogram = new LatencyHistogram();
  phaseStart = performance.now();
}

/**
 * Wait until every signal sent has come back, so one phase's stragglers do not land in the next
 * (a saturating closed loop leaves up to a window per pair queued in the server and the sockets;
 * a quiet spell is no proof, since a stalled server is quiet too). Returns how many were still
 * missing at the limit (dropped, or the server still behind), which the next phase reports.
 */
async function drain(): Promise<number> {
  const limit = performance.now() + DRAIN_LIMIT_MS;
  while (signalsSeen < signalsSent && performance.now() < limit) await new Promise((r) => setTimeout(r, 20));
  return signalsSent - signalsSeen;
}

/** Start phase `next` once the previous one has drained; what did not drain is counted in it. */
async function startPhase(next: Phase): Promise<void> {
  const missing = await drain();
  resetCounters(next);
  if (missing > 0) other.undrained_before_phase = missing;
  // Counted from here: a straggler still arriving must not be taken for this phase's loss.
  signalsSeen = signalsSent;
}

async function throughput(durationMs: number, windowPerPair: number): Promise<FromLoadWorker> {
  await startPhase('throughput');
  running = true;
  const window = Math.max(1, Math.min(MAX_WINDOW_PER_PAIR, windowPerPair));
  for (let w = 0; w < window; w++) for (let p = 0; p < pairs; p++) send(2 * p + (w & 1));
  await new Promise((r) => setTimeout(r, durationMs));
  running = false;
  const ms = performance.now() - phaseStart;
  const result: FromLoadWorker = {
    t: 'throughput',
    delivered,
    acks,
    ms,
    other,
    histogram: histogram.toJSON(),
  };
  await drain();
  phase = 'idle';
  return result;
}

/**
 * Open loop at a fixed rate: every timer tick sends whatever the schedule says is due, round
 * robin over the pairs, alternating direction, so every connection sends and receives.
 */
async function latency(durationMs: number, rate: number): Promise<FromLoadWorker> {
  await startPhase('latency');
  let sent = 0;
  let maxScheduleLagMs = 0;
  // The generator's own stalls, reported next to the server's so a tail can be attributed.
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const gc = new GcPauses();
  gc.enable();
  const stalls = new LoopStalls();
  stalls.enable();
  const intervalMs = 1000 / rate;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      const elapsed = now - phaseStart;
      const due = Math.min(Math.floor(elapsed / intervalMs), Math.floor(durationMs / intervalMs));
      if (due > sent) maxScheduleLagMs = Math.max(maxScheduleLagMs, elapsed - sent * intervalMs);
      while (sent < due) {
        const p = sent % pairs;
        send(2 * p + (Math.floor(sent / pairs) & 1));
        sent += 1;
      }
      if (elapsed >= durationMs) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  const ms = performance.now() - phaseStart;
  const limit = performance.now() + DRAIN_LIMIT_MS;
  while (received < sent && performance.now() < limit) await new Promise((r) => setTimeout(r, 20));
  loop.disable();
  gc.disable();
  const longest = stalls.take();
  stalls.disable();
  const result: FromLoadWorker = {
    t: 'latency',
    sent,
    received,
    acks,
    ms,
    maxScheduleLagMs,
    loopDelay: loopDelaySummary(loop, gc.take(), longest),
    other,
    histogram: histogram.toJSON(),
  };
  await drain();
  phase = 'idle';
  return result;
}

/**
 * Every socket sends its pair peer one signal and waits for all to come back. The server looks
 * up each pair's relationship on its first signal (then caches it for ~30 s); without this, the
 * latency phase's first second would measure 10,000 cold lookups, not signals at 10,000/s.
 */
async function warmUp(): Promise<FromLoadWorker> {
  const t0 = performance.now();
  for (let k = 0; k < config.users; k++) send(k);
  const missing = await drain();
  return { t: 'warmedUp', signals: config.users, missing, ms: performance.now() - t0 };
}

async function handle(msg: ToLoadWorker): Promise<FromLoadWorker | null> {
  switch (msg.t) {
    case 'provision': {
      // peerjs-server has no accounts, devices or contacts: nothing to provision.
      if (peerjs) return { t: 'provisioned', users: ids.length, requests: 0, ms: 0 };
      const t0 = performance.now();
      const requests = await provisionPairs(config.url, ids, config.httpConcurrency);
      return { t: 'provisioned', users: ids.length, requests, ms: performance.now() - t0 };
    }
    case 'connect':
      return connectAll();
    case 'throughput':
      return throughput(msg.durationMs, msg.window);
    case 'latency':
      return latency(msg.durationMs, msg.rate);
    case 'warmUp':
      return warmUp();
    case 'status':
      return { t: 'status', open: openCount(), closes };
    case 'exit':
      for (const ws of sockets) ws?.terminate();
      process.exit(0);
  }
}

const fail = (err: unknown): void => {
  toParent({ t: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
};
process.on('message', (msg: ToLoadWorker) => {
  handle(msg).then((reply) => reply && toParent(reply), fail);
});
// A worker must never outlive the benchmark that forked it.
process.on('disconnect', () => process.exit(0));
process.on('uncaughtException', fail);
