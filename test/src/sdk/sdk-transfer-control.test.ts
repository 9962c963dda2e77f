// Forward compatibility of transfer controls through a real signaling server (PROTOCOL.md
// "Transfer control"): a newer peer's control of a type this SDK does not know is ignored at debug
// level and not answered; a known type with bad fields still warns; both leave the client working.
import type { Logger } from '@hypersend/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { befriend, type SdkUser, sdkUser } from './sdk-fixtures.ts';

interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string | undefined;
  fields: Record<string, unknown>;
}

/** A pino-shaped logger that keeps every line, children's included (with their bindings). */
function capturingLogger(lines: LogLine[], bindings: Record<string, unknown> = {}): Logger {
  const at =
    (level: LogLine['level']) =>
    (obj: Record<string, unknown>, msg?: string): void => {
      lines.push({ level, msg, fields: { ...bindings, ...obj } });
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => capturingLogger(lines, { ...bindings, ...more }),
  };
}

let server: TestServer;
let alice: SdkUser;
let bob: SdkUser;
const bobLog: LogLine[] = [];

const address = (u: SdkUser) => ({
  user: u.client.me?.userId ?? '',
  device: u.client.device?.deviceId ?? '',
});

/** Send `data` from alice to bob as a transfer control under `sid`. */
const control = (sid: string, data: Record<string, unknown>) =>
  alice.client.signaling.sendSignal(address(bob), 'transfer', sid, data);

/** Resolve with the data of the next transfer signal alice receives under `sid` (10 s at most). */
function nextAnswer(sid: string): Promise<Record<string, unknown> | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      off();
      resolve(undefined);
    }, 10_000);
    const off = alice.client.on('signal', (s) => {
      if (s.kind !== 'transfer' || s.sid !== sid) return;
      clearTimeout(timer);
      off();
      resolve(s.data);
    });
  });
}

beforeAll(async () => {
  server = await startTestServer();
  [alice, bob] = await Promise.all([
    sdkUser(server, { prefix: 'fa' }),
    sdkUser(server, { prefix: 'fb', log: capturingLogger(bobLog) }),
  ]);
  await befriend(alice, bob);
  await Promise.all([alice.client.connect(), bob.client.connect()]);
}, 60_000);
afterAll(async () => {
  for (const u of [alice, bob]) u?.client.close();
  await server?.close();
});

describe('transfer controls from a newer peer', () => {
  it('an unknown type is ignored at debug level and not answered; a malformed known type warns', async () => {
    const unanswered = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(true), 1_500);
      alice.client.on('signal', (s) => {
        if (s.kind === 'transfer' && s.sid === 'q_future') {
          clearTimeout(timer);
          resolve(false);
        }
      });
    });
    await control('q_future', { v: 1, t: 'resume-hint', chunk: 7 });
    await control('q_future2', { v: 2, t: 'caps-query', flavour: 'new' });
    await control('q_broken', { v: 1, t: 'caps', maxChunkSize: -1 });
    // Signals from one connection arrive in order: once this is answered, bob has seen the three above.
    const answered = nextAnswer('q_after');
    await control('q_after', { v: 1, t: 'caps-query' });
    expect(await answered).toMatchObject({ v: 1, t: 'caps' });
    expect(await unanswered).toBe(true);

    const about = (msg: string) => bobLog.filter((l) => l.msg === msg);
    const ignored = about('ignoring transfer control of unknown type');
    expect(ignored.map((l) => [l.level, l.fields.v, l.fields.t])).toEqual([
      ['debug', 1, 'resume-hint'],
      ['debug', 2, 'caps-query'],
    ]);
    const dropped = about('dropping malformed transfer control');
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatchObject({ level: 'warn', fields: { t: 'caps' } });
    expect(String(dropped[0]?.fields.issue)).toMatch(/^maxChunkSize: /u);
    expect(
      bobLog.filter((l) => l.level === 'warn' && JSON.stringify(l.fields).includes('resume-hint')),
    ).toEqual([]);
  });
});
