import { type CoturnInstance, type StartCoturnOptions, startCoturn } from '../../../turn/src/index.ts';
import { befriendViaCli, killAll, Peer } from '../cli/cli-harness.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { randomUsername } from '../helpers/users.ts';

/** A real coturn (test profile: loopback peers allowed), a signaling server issuing its credentials,
 * and two befriended CLI peers. */
export interface TurnLab {
  coturn: CoturnInstance;
  server: TestServer;
  a: Peer;
  b: Peer;
  /** Kill CLI processes, remove the peers' homes, stop the server and coturn. */
  close(): Promise<void>;
}

/**
 * @example
 * const lab = await startTurnLab({ secret: SECRET, ttlSeconds: 600 });
 */
export async function startTurnLab(options: {
  secret: string;
  ttlSeconds: number;
  coturn?: Omit<StartCoturnOptions, 'secrets'>;
}): Promise<TurnLab> {
  const coturn = await startCoturn({ ...options.coturn, secrets: [options.secret] });
  const server = await startTestServer({
    HYPERSEND_TURN_SECRETS: options.secret,
    HYPERSEND_TURN_URIS: `${coturn.url}?transport=udp`,
    HYPERSEND_TURN_TTL: String(options.ttlSeconds),
  });
  const a = await Peer.create(server.url, randomUsername('alice'));
  const b = await Peer.create(server.url, randomUsername('bob'));
  await befriendViaCli(a, b);
  return {
    coturn,
    server,
    a,
    b,
    async close() {
      killAll();
      await Promise.all([a.cleanup(), b.cleanup()]);
      await Promise.all([server.close(), coturn.stop()]);
    },
  };
}
