// One measured phase of the chat delivery benchmark: a closed loop of sends per pair, delivery
// latency per message, delivered messages/s and the CPU the server and the clients used.

import type { Driver } from './chat-delivery-drivers.ts';
import type { ChatDeliveryOptions } from './chat-delivery-options.ts';
import { cpuSeconds, machineBusySeconds } from './signaling-proc.ts';

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

const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;

/** Closed loop with `window` sends in flight per pair, bounded by count and time, then drained. */
export async function measurePhase(
  client: PhaseResult['client'],
  driver: Driver,
  o: ChatDeliveryOptions,
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
