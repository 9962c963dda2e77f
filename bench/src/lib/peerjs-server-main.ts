/**
 * peerjs-server (the npm `peer` package, pinned in bench/package.json) as the signaling benchmark's
 * reference, started by `startServerProcess(…, { script })` like our own server. It prints the
 * same three banner lines as `signaling/src/main.ts`, which is all the launcher reads.
 *
 * Settings that would otherwise measure themselves instead of routing: `concurrent_limit` (default
 * 5,000) raised past the benchmark's connection count, and `alive_timeout` (default 90 s without a
 * client HEARTBEAT) raised past any run's length, because the generator does not send heartbeats,
 * just as our server's idle timeout is not exercised. Everything else is the package's default.
 */
import type { AddressInfo } from 'node:net';
import { PeerServer } from 'peer';

const server = PeerServer(
  {
    host: '127.0.0.1',
    port: Number(process.env.PORT ?? 0),
    key: 'peerjs',
    path: '/',
    concurrent_limit: 10_000_000,
    alive_timeout: 24 * 3600_000,
  },
  (http) => {
    const { port } = http.address() as AddressInfo;
    console.log(`HTTP API  http://127.0.0.1:${port}/v1 (peerjs-server has no /v1; for the launcher)`);
    console.log(`WebSocket ws://127.0.0.1:${port}/peerjs`);
    console.log('uWS       none: peerjs-server (peer 1.0.2) on the ws package');
  },
);
server.on('error', (err: unknown) => console.error('peerjs-server error', err));
process.on('SIGTERM', () => process.exit(0));
