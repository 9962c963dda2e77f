// An offer delivered into a dying connection is not lost: signaling accepts the offer for a device
// whose socket is going away (a page reloading, a receiver restarting) and delivers it there. The
// sender repeats an unanswered offer when the device comes online again. Here the dying socket is
// a raw connection of Bob's device that reads the offer and drops it; Bob's real client then
// connects as the same device (replacing it, so Alice sees it come online) and must be offered
// the transfer well before the sender's 120 s answer timeout.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type HypersendClient, type IncomingTransfer } from '@hypersend/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { connectWs, type TestSocket } from '../helpers/ws-client.ts';
import { befriend, FAST_SIGNALING, type SdkUser, sdkUser } from './sdk-fixtures.ts';

let server: TestServer;
let alice: SdkUser;
let bob: SdkUser;
let bobAgain: HypersendClient | undefined;
let zombie: TestSocket | undefined;
let dir: string;

beforeAll(async () => {
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'hs-reoffer-'));
  [alice, bob] = await Promise.all([sdkUser(server, { prefix: 'ra' }), sdkUser(server, { prefix: 'rb' })]);
  await befriend(alice, bob);
  await alice.client.connect();
}, 60_000);
afterAll(async () => {
  zombie?.ws.terminate();
  for (const u of [alice, bob]) u?.client.close();
  bobAgain?.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('an offer lost in a dying connection', () => {
  it('is offered again when the recipient device comes back online', { timeout: 40_000 }, async () => {
    // Bob's device registers on his first connect; that client then goes, leaving its token.
    await bob.client.connect();
    const device = bob.client.device?.deviceId;
    if (device === undefined) throw new Error('bob has no device');
    const token = await bob.client.session.token();
    bob.client.close();
    zombie = await connectWs(server, { token, device });
    const file = join(dir, 'note.txt');
    await writeFile(file, 'hello after a reload\n');

    const t = alice.client.send(bob.username, [file], { relay: 'never' });
    const result = t.result.catch((e: unknown) => e);
    // The offer went to the socket that is about to die, which reads it and never answers.
    // (First comes the chunk-size query, which the zombie leaves unanswered too.)
    const lost = await zombie.next(
      'signal',
      (f) => f.kind === 'transfer' && (f.data as { t?: unknown }).t === 'offer',
      15_000,
    );
    expect(lost.sid).toMatch(/\S/u);

    // Bob again, same device (same identity store): the zombie is replaced, Alice sees him online.
    bobAgain = createClient({
      serverUrl: server.url,
      identityStore: bob.identityStore,
      keyStore: bob.keyStore,
      signaling: FAST_SIGNALING,
    });
    const again = bobAgain;
    const offered = new Promise<IncomingTransfer>((resolve) => again.once('offer', resolve));
    await again.login(bob.username, bob.password);
    const t0 = Date.now();
    await again.connect();
    expect(again.device?.deviceId).toBe(device);
    const offer = await Promise.race([
      offered,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('no offer after reconnect')), 15_000),
      ),
    ]);
    expect(offer.transferId).toBe(lost.sid);
    expect(offer.files.map((f) => f.path)).toEqual(['note.txt']);
    expect(Date.now() - t0).toBeLessThan(15_000);

    await offer.decline();
    const err = await result;
    expect((err as { code?: string }).code).toBe('declined');
  });
});
