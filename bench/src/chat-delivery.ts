/**
 * Chat delivery end to end: delivered messages/s and send → delivery latency through a real
 * signaling server process (embedded SQLite store), in two phases on the same server:
 *
 * 1. **SDK** (the figure): real SDK clients (`client.chat`) on both ends — every message is sealed
 *    per device by the sender's SDK, persisted and fanned out by the server, and opened and
 *    verified by the recipient's SDK, as an app sees it.
 * 2. **raw chat frames** (the reference): the WebSocket frames of protocol/PROTOCOL.md (Chat) on
 *    plain `ws` sockets for devices the SDK registered, envelopes of the SDK's size filled with
 *    random bytes. The SDK phase's clients run in this one process and cost more than twice
 *    the server's CPU per message, so on 2 shared cores they, not the server, bound phase 1;
 *    phase 2 shows what the server delivers when the clients cost little (the ratio: the SDK's
 *    share).
 *
 *   node --import tsx bench/src/chat-delivery.ts [--tiny] [--pairs=4] [--messages=2000]
 *        [--duration=10] [--window=16] [--send-rate=100000] [--drain=30]
 *
 * `--pairs` sender → recipient pairs (two users, one device each, one direct conversation), all
 * in this process. Each sender keeps `--window` sends in flight until it has sent `--messages`
 * or `--duration` seconds passed (per phase); then the run waits up to `--drain` s for every
 * acknowledged message to arrive. Delivered messages/s = messages the recipients received ÷ time
 * from the first send to the last delivery. Latency = send called → the recipient has it (one
 * process, one clock; for the SDK this includes sealing and opening).
 *
 * The server's per-user send limit (`HYPERSEND_CHAT_SEND_RATE`, default 5/s) is raised to
 * `--send-rate` so the figure measures the delivery path and not the limit; the value is
 * printed. CPU cores used by the server and by this (client) process are reported per phase.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type ChatMessageView,
  createClient,
  type HypersendClient,
  MemoryIdentityStore,
  MemoryKeyStore,
} from '@hypersend/client';
import { WS_BEARER_PREFIX, WS_SUBPROTOCOL } from '@hypersend/protocol';
import WebSocket from 'ws';
import { compared, emitResult, type Figure } from './lib/bench-result.ts';
import { cpuSeconds, machineBusySeconds, rssBytes } from './lib/signaling-proc.ts';
import { type ServerProcess, startServerProcess } from './lib/signaling-server-process.ts';

interface Options {
  tiny: boolean;
  pairs: number;
  messages: number;
  durationS: number;
  window: number;
  sendRate: number;
  /** After the last send, how long to wait for outstanding deliveries. */
  drainS: number;
}

function options(argv = process.argv.slice(2)): Options {
  const get = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const num = (name: string, fallback: number): number => {
    const v = get(name);
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got ${v}`);
    return n;
  };
  const known = ['tiny', 'pairs', 'messages', 'duration', 'window', 'send-rate', 'drain'];
  for (const a of argv)
    if (!known.some((k) => a === `--${k}` || a.startsWith(`--${k}=`)))
      throw new Error(`unknown argument ${a}`);
  const tiny = argv.includes('--tiny');
  const sendRate = num('send-rate', 100_000);
  // The config schema's range (signaling/src/config.ts): fail here rather than in the server.
  if (sendRate > 100_000) throw new Error('--send-rate must be at most 100000');
  return {
    tiny,
    pairs: num('pairs', tiny ? 1 : 4),
    messages: num('messages', tiny ? 40 : 2_000),
    // --tiny is bounded by count; the time bound only catches a stalled run on a loaded machine.
    durationS: num('duration', tiny ? 20 : 10),
    window: num('window', tiny ? 4 : 16),
    sendRate,
    drainS: num('drain', 30),
  };
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;

/** A registered, logged-in SDK client; requests get a generous timeout for the loaded machine. */
async function newUser(url: string, prefix: string): Promise<{ client: HypersendClient; username: string }> {
  const client = createClient({
    serverUrl: url,
    identityStore: new MemoryIdentityStore(),
    keyStore: new MemoryKeyStore(),
    signaling: { backoff: { baseMs: 50, capMs: 500 }, requestTimeoutMs: 30_000 },
  });
  const username = `${prefix}${randomBytes(5).toString('hex')}`;
  await client.register(username, `pw-${randomBytes(12).toString('base64url')}`);
  return { client, username };
}

interface Pair {
  sender: HypersendClient;
  recipient: HypersendClient;
  conversation: string;
}

async function makePair(url: string, index: number): Promise<Pair> {
  const [a, b] = await Promise.all([newUser(url, `cs${index}`), newUser(url, `cr${index}`)]);
  await a.client.contacts.request(b.username);
  const incoming = (await b.client.contacts.list()).find((c) => c.username === a.username);
  if (!incoming) throw new Error(`pair ${index}: contact request did not arrive`);
  await b.client.contacts.accept(incoming.userId);
  await Promise.all([a.client.connect(), b.client.connect()]);
  const conv = await a.client.chat.create([b.client.me!.userId]);
  return { sender: a.client, recipient: b.client, conversation: conv.id };
}

/** How one phase drives its pairs: a send per message, deliveries reported by key. */
interface Driver {
  /** Send message `key` on pair `p`; resolves when the server acknowledged it (`chat.sent`). */
  send(p: number, key: string): Promise<void>;
  /** Calls `delivered(key)` for every message a recipient receives. */
  onDelivered(delivered: (key: string) => void): void;
  close(): void;
}

/** What one phase measured. */
export interface PhaseResult {
  client: 'sdk' | 'raw';
  sent: number;
  sendErrors: number;
  delivered: number;
  seconds: number;
  deliveredPerS: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  serverCores: number;
  clientCores: number;
  otherCores: number;
}

/** Closed loop with `window` sends in flight per pair, bounded by count and time, then drained. */
async function measure(
  client: PhaseResult['client'],
  driver: Driver,
  o: Options,
  serverPid: number,
): Promise<PhaseResult> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let delivered = 0;
  let lastDelivery = 0;
  driver.onDelivered((key) => {
    const t0 = sentAt.get(key);
    if (t0 === undefined) return;
    sentAt.delete(key);
    lastDelivery = performance.now();
    latencies.push(lastDelivery - t0);
    delivered++;
  });
  const cpu0 = { server: cpuSeconds(serverPid), client: cpuSeconds(process.pid), all: machineBusySeconds() };
  const start = performance.now();
  const stopAt = start + o.durationS * 1000;
  let sent = 0;
  let sendErrors = 0;
  let firstError: unknown;
  const pairLoop = async (p: number): Promise<void> => {
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < o.messages && performance.now() < stopAt) {
        const key = `m_${client}_${p}_${next++}`;
        sentAt.set(key, performance.now());
        try {
          await driver.send(p, key);
          sent++;
        } catch (err) {
          sentAt.delete(key);
          sendErrors++;
          firstError ??= err;
        }
      }
    };
    await Promise.all(Array.from({ length: o.window }, lane));
  };
  await Promise.all(Array.from({ length: o.pairs }, (_, p) => pairLoop(p)));
  const drainUntil = performance.now() + o.drainS * 1000;
  while (delivered < sent && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
  const end = performance.now();
  const s = (end - start) / 1000;
  const serverCores = (cpuSeconds(serverPid) - cpu0.server) / s;
  const clientCores = (cpuSeconds(process.pid) - cpu0.client) / s;
  const otherCores = Math.max(0, (machineBusySeconds() - cpu0.all) / s - serverCores - clientCores);
  if (firstError !== undefined) console.error(`${client}: first send error: ${String(firstError)}`);
  if (delivered < sent)
    console.error(`${client}: ${sent - delivered} acknowledged messages not delivered within ${o.drainS} s`);
  const seconds = ((delivered > 0 ? lastDelivery : end) - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    client,
    sent,
    sendErrors,
    delivered,
    seconds,
    deliveredPerS: delivered / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.at(-1) ?? Number.NaN,
    serverCores,
    clientCores,
    otherCores,
  };
}

/** The SDK on both ends: `chat.send` seals per device, the recipient opens and verifies. */
function sdkDriver(pairs: Pair[]): Driver {
  return {
    send: async (p, key) => {
      const pair = pairs[p]!;
      await pair.sender.chat.send(pair.conversation, key);
    },
    onDelivered(delivered) {
      for (const pair of pairs)
        pair.recipient.chat.on('message', (m: ChatMessageView) => {
          if (!m.outgoing && m.kind === 'text' && m.conversation === pair.conversation && m.text)
            delivered(m.text);
        });
    },
    close() {
      for (const pair of pairs) {
        pair.sender.close();
        pair.recipient.close();
      }
    },
  };
}

/** One raw WebSocket as a device: `hello` awaited, subscribed with `chat.sync`. */
async function rawDevice(
  wsUrl: string,
  client: HypersendClient,
  onFrame: (frame: { type: string; [k: string]: unknown }) => void,
): Promise<WebSocket> {
  const token = await client.session.token();
  const ws = new WebSocket(`${wsUrl}?device=${encodeURIComponent(client.device!.deviceId)}`, [
    WS_SUBPROTOCOL,
    `${WS_BEARER_PREFIX}${token}`,
  ]);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('raw client: no hello/chat.synced in 30 s')), 30_000);
    ws.on('error', reject);
    ws.on('close', (code) => reject(new Error(`raw client: closed ${code} before chat.synced`)));
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string; [k: string]: unknown };
      if (frame.type === 'hello') ws.send(JSON.stringify({ type: 'chat.sync', id: 'sync' }));
      else if (frame.type === 'chat.synced') {
        clearTimeout(timer);
        resolve();
      }
      onFrame(frame);
    });
  });
  return ws;
}

/**
 * The chat frames of protocol/PROTOCOL.md on plain `ws` sockets, for the same devices the SDK
 * registered: envelopes of the SDK's size with random bytes (the server never looks inside), and
 * no sealing or opening, so the phase shows what the server delivers when the clients cost little.
 */
async function rawDriver(pairs: Pair[], wsUrl: string): Promise<Driver> {
  let delivered: (key: string) => void = () => {};
  const pending = new Map<string, { resolve(): void; reject(err: Error): void }>();
  const senders: WebSocket[] = [];
  const recipients: WebSocket[] = [];
  const b64 = (n: number) => randomBytes(n).toString('base64url');
  for (const pair of pairs) {
    // The SDK sockets go first: the raw ones take over the same devices.
    pair.sender.close();
    pair.recipient.close();
    senders.push(
      await rawDevice(wsUrl, pair.sender, (f) => {
        const ref = typeof f.ref === 'string' ? f.ref : undefined;
        const waiter = ref === undefined ? undefined : pending.get(ref);
        if (waiter === undefined) return;
        pending.delete(ref!);
        if (f.type === 'chat.sent') waiter.resolve();
        else waiter.reject(new Error(`raw send: ${JSON.stringify(f)}`));
      }),
    );
    recipients.push(
      await rawDevice(wsUrl, pair.recipient, (f) => {
        const m = f.message as { messageId?: string } | undefined;
        if (f.type === 'chat.message' && m?.messageId) delivered(m.messageId);
      }),
    );
  }
  // ~ what the SDK seals for a short text: the JSON body with its context plus the 16-byte MAC.
  const BOX_BYTES = 180;
  return {
    send: (p, key) => {
      const pair = pairs[p]!;
      const to = (c: HypersendClient) => ({
        user: c.me!.userId,
        device: c.device!.deviceId,
        nonce: b64(24),
        box: b64(BOX_BYTES),
      });
      const frame = {
        type: 'chat.send',
        id: key,
        conversation: pair.conversation,
        messageId: key,
        kind: 'text',
        envelopes: [to(pair.recipient), to(pair.sender)],
      };
      return new Promise<void>((resolve, reject) => {
        pending.set(key, { resolve, reject });
        senders[p]!.send(JSON.stringify(frame));
      });
    },
    onDelivered(d) {
      delivered = d;
    },
    close() {
      for (const ws of [...senders, ...recipients]) ws.terminate();
      for (const w of pending.values()) w.reject(new Error('closed'));
    },
  };
}

/** What one run measured: the SDK phase and the raw-frame phase on the same server. */
export interface ChatDeliveryResult {
  pairs: number;
  sendRate: number;
  sdk: PhaseResult;
  raw: PhaseResult;
  serverRssMiB: number;
}

/** Run the benchmark against a server process it starts and stops. */
export async function runChatDelivery(o: Options): Promise<ChatDeliveryResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'hypersend-bench-chat-'));
  let server: ServerProcess | null = null;
  const drivers: Driver[] = [];
  const killServer = (): void => server?.kill();
  process.on('exit', killServer);
  try {
    server = await startServerProcess({
      HYPERSEND_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      HYPERSEND_DATA_DIR: dataDir,
      HYPERSEND_PASSWORD_HASH: 'interactive',
      HYPERSEND_CHAT_SEND_RATE: String(o.sendRate),
      // The per-connection frame limit would cap the senders before the chat path does.
      HYPERSEND_WS_RATE: '100000',
      HYPERSEND_WS_BURST: '1000000',
    });
    const srv = server;
    console.log(`server pid ${srv.pid} at ${srv.url} (${srv.binding}), embedded SQLite store`);
    console.log(
      `HYPERSEND_CHAT_SEND_RATE=${o.sendRate} (burst ${o.sendRate * 6}); ${o.pairs} pairs, ` +
        `${o.messages} messages per sender, window ${o.window}, at most ${o.durationS} s per phase`,
    );
    // Fresh users per phase, so the second phase's conversations start empty too.
    const sdkPairs: Pair[] = [];
    for (let i = 0; i < o.pairs; i++) sdkPairs.push(await makePair(srv.url, i));
    const sdk = sdkDriver(sdkPairs);
    drivers.push(sdk);
    const sdkResult = await measure('sdk', sdk, o, srv.pid);
    sdk.close();
    printPhase(sdkResult);

    const rawPairs: Pair[] = [];
    for (let i = 0; i < o.pairs; i++) rawPairs.push(await makePair(srv.url, o.pairs + i));
    // Registered before the raw sockets exist, so the clients close if start-up fails half way.
    drivers.push(sdkDriver(rawPairs));
    const raw = await rawDriver(rawPairs, srv.wsUrl);
    drivers.push(raw);
    const rawResult = await measure('raw', raw, o, srv.pid);
    printPhase(rawResult);
    return {
      pairs: o.pairs,
      sendRate: o.sendRate,
      sdk: sdkResult,
      raw: rawResult,
      serverRssMiB: rssBytes(srv.pid) / 2 ** 20,
    };
  } finally {
    for (const d of drivers) d.close();
    await server?.stop();
    process.off('exit', killServer);
    await rm(dataDir, { recursive: true, force: true });
  }
}

function printPhase(r: PhaseResult): void {
  const who = r.client === 'sdk' ? 'SDK clients (client.chat)' : 'raw chat frames (ws)';
  console.log(
    `${who}: sent ${r.sent} (errors ${r.sendErrors}), delivered ${r.delivered} in ${r.seconds.toFixed(2)} s: ` +
      `${r.deliveredPerS.toFixed(0)} delivered messages/s; send → delivery p50 ${r.p50Ms.toFixed(1)} ms, ` +
      `p99 ${r.p99Ms.toFixed(1)} ms, max ${r.maxMs.toFixed(1)} ms; CPU: server ${r.serverCores.toFixed(2)} cores, ` +
      `clients ${r.clientCores.toFixed(2)} cores, other work ${r.otherCores.toFixed(2)} cores`,
  );
}

function figures(r: ChatDeliveryResult): Figure[] {
  const setup = `${r.pairs} pair${r.pairs === 1 ? '' : 's'}, SQLite, send limit raised to ${r.sendRate}/s`;
  const raw = { label: 'raw chat frames, same server', unit: 'msg/s' };
  const cores = (x: PhaseResult) =>
    `server ${x.serverCores.toFixed(2)} cores, clients ${x.clientCores.toFixed(2)}, other work ${x.otherCores.toFixed(2)}`;
  return [
    {
      ...compared(
        'chat.delivered_per_s.sqlite',
        `Chat messages delivered/s, SDK clients end to end (${setup})`,
        r.sdk.deliveredPerS,
        'msg/s',
        { ...raw, value: r.raw.deliveredPerS },
      ),
      note: `SDK: ${cores(r.sdk)}; raw: ${cores(r.raw)}`,
    },
    {
      id: 'chat.delivery_p50_ms.sqlite',
      label: `Chat send → delivery latency p50, SDK clients (${setup})`,
      value: r.sdk.p50Ms,
      unit: 'ms',
      reference: { label: 'raw chat frames', value: r.raw.p50Ms, unit: 'ms' },
      ratio: r.sdk.p50Ms / r.raw.p50Ms,
      lowerIsBetter: true,
    },
    {
      id: 'chat.delivery_p99_ms.sqlite',
      label: `Chat send → delivery latency p99, SDK clients (${setup})`,
      value: r.sdk.p99Ms,
      unit: 'ms',
      reference: { label: 'raw chat frames', value: r.raw.p99Ms, unit: 'ms' },
      ratio: r.sdk.p99Ms / r.raw.p99Ms,
      lowerIsBetter: true,
    },
  ];
}

async function main(): Promise<void> {
  const o = options();
  const r = await runChatDelivery(o);
  console.log(`server RSS at the end ${r.serverRssMiB.toFixed(0)} MiB`);
  emitResult({ bench: 'chat-delivery', tiny: o.tiny, figures: figures(r), details: r });
  if (r.sdk.delivered === 0 || r.raw.delivered === 0) throw new Error('a phase delivered no message');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
