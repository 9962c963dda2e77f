// The chunk-size query through a real signaling server (PROTOCOL.md `caps-query` → `caps`): a
// connected SDK answers by itself with its data-channel limit, fast enough that senders never hit
// their 3 s fallback; a capped device answers its cap; a non-contact cannot even ask.
import { HypersendError, nodeTransfers } from '@hypersend/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { befriend, type SdkUser, sdkUser } from './sdk-fixtures.ts';

let server: TestServer;
let alice: SdkUser;
let bob: SdkUser;
let capped: SdkUser;
let stranger: SdkUser;

const address = (u: SdkUser) => ({
  user: u.client.me?.userId ?? '',
  device: u.client.device?.deviceId ?? '',
});

/** Ask `to` from `from` under `sid`; resolve with the `caps` answer's data. */
function ask(from: SdkUser, to: SdkUser, sid: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no caps answer for ${sid}`));
    }, 10_000);
    const off = from.client.on('signal', (s) => {
      if (s.kind !== 'transfer' || s.sid !== sid) return;
      clearTimeout(timer);
      off();
      resolve(s.data as Record<string, unknown>);
    });
    from.client.signaling.sendSignal(address(to), 'transfer', sid, { v: 1, t: 'caps-query' }).catch((e) => {
      clearTimeout(timer);
      off();
      reject(e);
    });
  });
}

beforeAll(async () => {
  server = await startTestServer();
  [alice, bob, capped, stranger] = await Promise.all([
    sdkUser(server, { prefix: 'qa' }),
    sdkUser(server, { prefix: 'qb' }),
    sdkUser(server, { prefix: 'qc', transfers: nodeTransfers({ maxChunkSize: 64 * 1024 }) }),
    sdkUser(server, { prefix: 'qs' }),
  ]);
  await befriend(alice, bob);
  await befriend(alice, capped);
  await Promise.all([alice, bob, capped, stranger].map((u) => u.client.connect()));
}, 60_000);
afterAll(async () => {
  for (const u of [alice, bob, capped, stranger]) u?.client.close();
  await server?.close();
});

describe('chunk-size query between SDK clients', () => {
  it('a connected contact answers with its data-channel limit, well within the sender’s 3 s', async () => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      expect(await ask(alice, bob, `q_round${i}`)).toEqual({ v: 1, t: 'caps', maxChunkSize: 255 * 1024 });
      times.push(performance.now() - t0);
    }
    // The first answer includes the recipient's one-off probe of its WebRTC stack.
    expect(Math.max(...times)).toBeLessThan(3000);
  });

  it('a device with maxChunkSize answers its cap', async () => {
    expect(await ask(alice, capped, 'q_capped')).toEqual({ v: 1, t: 'caps', maxChunkSize: 64 * 1024 });
  });

  it('a non-contact cannot ask: the server refuses to route the query', async () => {
    const err = await ask(stranger, bob, 'q_stranger').catch((e: unknown) => e);
    expect(HypersendError.is(err, 'not_reachable')).toBe(true);
  });
});
