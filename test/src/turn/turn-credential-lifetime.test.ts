// A relayed transfer that outlives its TURN credential: signaling mints 60 s credentials (the
// minimum HYPERSEND_TURN_TTL), the sender streams at a fixed rate for ~90 s with turn-only ICE,
// and the SDK renews the credentials before they expire (fresh POST /v1/turn/credentials,
// setConfiguration, ICE restart). The transfer must complete byte-identical, and coturn must have
// seen allocations under more usernames (= credentials) than the two it started with.
//
// Measured with coturn 4.6.1 and libwebrtc (@roamhq/wrtc): an allocation made with a credential
// that then expires keeps relaying (700 s observed; CreatePermission, ChannelBind and Refresh under
// the expired username all succeed), so this test proves that renewal is transparent mid-transfer,
// not that a transfer without it would break (see client-sdk/src/transfers/turn-refresh.ts).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CoturnInstance } from '../../../turn/src/index.ts';
import { killAll, type Peer, ROOT } from '../cli/cli-harness.ts';
import { startTurnLab, type TurnLab } from './turn-lab.ts';

const SECRET = 'Lf3yQ8wE2rT7yU1iO4pA6sD9fG5hJ0kL-lifetime';
const SECONDS = 90;
const RATE = 150_000;

let lab: TurnLab;
let coturn: CoturnInstance;
let a: Peer;
let b: Peer;

beforeAll(async () => {
  lab = await startTurnLab({
    secret: SECRET,
    ttlSeconds: 60,
    // verbose: coturn logs each new allocation with its username, which is how renewal shows.
    coturn: { transformConfig: (c) => `${c}\nverbose\n` },
  });
  ({ coturn, a, b } = lab);
}, 120_000);
afterEach(() => killAll());
afterAll(async () => {
  await lab?.close();
});

describe('transfer longer than the TURN credential lifetime', () => {
  it(`completes a ${SECONDS} s turn-only transfer across 60 s credentials`, async () => {
    const rx = b.spawn(['receive', '--yes', '--dir', b.home, '--json'], {
      timeoutMs: 200_000,
      env: { HYPERSEND_TURN_ONLY: '1' },
    });
    await rx.waitFor(/"event":"ready"/u);
    // The sender is an SDK script, not the CLI: only a paced stream keeps the transfer this long.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join('test', 'src', 'turn', 'slow-sender.ts')],
      {
        cwd: ROOT,
        env: {
          ...a.env(),
          SLOW_TO: b.username,
          SLOW_RATE: String(RATE),
          SLOW_SECONDS: String(SECONDS),
        },
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 200_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    const got = await rx.done;
    expect(code, `${out}\n${err}`).toBe(0);
    expect(got.code, got.stderr).toBe(0);
    const events = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const done = events.find((e) => e.event === 'done');
    expect(done?.bytes).toBe(RATE * SECONDS);
    const received = createHash('sha256')
      .update(await readFile(join(b.home, 'slow.bin')))
      .digest('hex');
    expect(received).toBe(done?.sha256);
    expect(events.filter((e) => e.event === 'connected').map((e) => e.path)).toEqual(['turn']);
    // Every allocation coturn granted, by username (`expiry:userId`): more than the two initial
    // credentials means the peers allocated again with renewed ones during the transfer.
    const log = await coturn.readLog();
    const users = new Set([...log.matchAll(/new, realm=<[^>]*>, username=<([^>]+)>/gu)].map((m) => m[1]));
    expect(users.size, [...users].join(', ')).toBeGreaterThan(2);
  }, 240_000);
});
