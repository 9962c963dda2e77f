// A CLI started while signaling is down keeps trying, then connects or fails with a typed error.
// The SDK's timers are unref'd (an idle client must not hold a process open); a command waiting
// only on them could end with exit code 13 — an unsettled top-level await — and no output, as CI
// saw from `receive`, `chat` and an SDK peer under load. Commands now hold the process themselves.
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type FrontPort, frontPort } from '../helpers/front-port.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { randomUsername } from '../helpers/users.ts';
import { killAll, Peer } from './cli-harness.ts';

describe('a CLI started while signaling is down', () => {
  let server: TestServer | undefined;
  let front: FrontPort | undefined;
  let peer: Peer | undefined;

  afterAll(async () => {
    killAll();
    await peer?.cleanup();
    await server?.close();
    await front?.close();
  });

  it('keeps trying while it is down, then connects or fails with a typed error — never exits silently', async () => {
    server = await startTestServer();
    front = await frontPort();
    const port = Number(new URL(server.url).port);
    front.target(port);
    peer = await Peer.create(front.url, randomUsername('patient'));
    await peer.ok(['register', peer.username]);
    const dir = await mkdtemp(join(peer.home, 'in-'));

    front.target(undefined); // down: every connection is refused
    const rx = peer.spawn(['receive', '--yes', '--dir', dir], { timeoutMs: 60_000 });
    let exited = false;
    void rx.done.then(() => {
      exited = true;
    });
    // Long enough for several failed attempts with backoff.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(exited, `exited while signaling was down: ${rx.stderr()}`).toBe(false);

    // Back: it either reaches the server or ends with a typed error — never silently.
    front.target(port);
    const outcome = await Promise.race([
      rx.waitFor(/waiting for an offer/u, 40_000).then(() => 'connected' as const),
      rx.done.then((r) => r),
    ]);
    if (outcome !== 'connected') {
      expect(outcome.code, 'exit 13 is an unsettled top-level await').not.toBe(13);
      expect(outcome.stderr).toMatch(/^hypersend: .+ \[[a-z_]+\]$/mu);
    }
  }, 90_000);
});
