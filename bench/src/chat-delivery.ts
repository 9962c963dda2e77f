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
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compared, emitResult, type Figure } from './lib/bench-result.ts';
import { type Driver, makePair, type Pair, rawDriver, sdkDriver } from './lib/chat-delivery-drivers.ts';
import { type ChatDeliveryOptions, chatDeliveryOptions } from './lib/chat-delivery-options.ts';
import { measurePhase, type PhaseResult } from './lib/chat-delivery-phase.ts';
import { rssBytes } from './lib/signaling-proc.ts';
import { type ServerProcess, startServerProcess } from './lib/signaling-server-process.ts';

export type { PhaseResult } from './lib/chat-delivery-phase.ts';

/** What one run measured: the SDK phase and the raw-frame phase on the same server. */
export interface ChatDeliveryResult {
  pairs: number;
  sendRate: number;
  sdk: PhaseResult;
  raw: PhaseResult;
  serverRssMiB: number;
}

/** Run the benchmark against a server process it starts and stops. */
export async function runChatDelivery(o: ChatDeliveryOptions): Promise<ChatDeliveryResult> {
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
    const sdkResult = await measurePhase('sdk', sdk, o, srv.pid);
    sdk.close();
    printPhase(sdkResult);

    const rawPairs: Pair[] = [];
    for (let i = 0; i < o.pairs; i++) rawPairs.push(await makePair(srv.url, o.pairs + i));
    // Registered before the raw sockets exist, so the clients close if start-up fails half way.
    drivers.push(sdkDriver(rawPairs));
    const raw = await rawDriver(rawPairs, srv.wsUrl);
    drivers.push(raw);
    const rawResult = await measurePhase('raw', raw, o, srv.pid);
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
  const o = chatDeliveryOptions();
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
