import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { befriendViaCli, killAll, Peer } from '../cli/cli-harness.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { randomUsername } from '../helpers/users.ts';

// The real `hypersend` CLI in child processes: one-shot `msg` and interactive `chat`.
describe('hypersend chat and msg', () => {
  let server: TestServer;
  let alice: Peer;
  let bob: Peer;

  beforeAll(async () => {
    server = await startTestServer();
    alice = await Peer.create(server.url, randomUsername('alice'));
    bob = await Peer.create(server.url, randomUsername('bob'));
    await befriendViaCli(alice, bob);
  });

  afterEach(() => killAll());
  afterAll(async () => {
    await alice?.cleanup();
    await bob?.cleanup();
    await server?.close();
  });

  it('msg sends one message; an interactive chat shows it live, sends typed lines and quits', async () => {
    const session = bob.spawn(['chat', alice.username]);
    await session.waitFor(/chatting in/);

    const sent = await alice.ok(['msg', bob.username, 'hello', 'from', 'the', 'cli']);
    expect(sent.stdout).toMatch(/^sent #\d+/);
    await session.waitFor(new RegExp(`${alice.username}: hello from the cli`));

    // Escape sequences from a peer never reach the terminal as such.
    await alice.ok(['msg', bob.username, '\u001b[2Jwiped']);
    await session.waitFor(/\uFFFD\[2Jwiped/);
    expect(session.stdout()).not.toContain('\u001b[2J');

    session.write('hi back\n');
    await session.waitFor(/me: hi back/);
    session.write('/quit\n');
    const done = await session.done;
    expect(done.code).toBe(0);

    // Alice's own interactive session shows the history, in order, and leaves at end of input.
    const history = await alice.ok(['chat', bob.username, '--history', '10']);
    const lines = history.stdout.trim().split('\n');
    expect(lines.slice(-3)).toEqual([
      'me: hello from the cli',
      'me: \uFFFD[2Jwiped',
      `${bob.username}: hi back`,
    ]);
  });

  it('msg to someone who is not a contact fails cleanly', async () => {
    const r = await alice.run(['msg', 'nobody_here', 'hi']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/not one of your contacts|not_found/);
  });
});
