// A fixed front address for a signaling server that is restarted under it: uWS cannot rebind the
// port it just closed while its connections sit in TIME_WAIT (it binds without SO_REUSEADDR), so
// clients talk to this forwarder and each server life gets port 0. With no backend it refuses
// connections, exactly like a server that is down.
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

/** The forwarder: `url` never changes; `target(port)` switches (and cuts) the backend. */
export interface FrontPort {
  url: string;
  /** Forward new connections to `port` (`undefined`: refuse, like a server that is down). */
  target(port: number | undefined): void;
  close(): Promise<void>;
}

/**
 * @example
 * const front = await frontPort();
 * front.target(Number(new URL(server.url).port));
 */
export async function frontPort(): Promise<FrontPort> {
  let backend: number | undefined;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    if (backend === undefined) {
      client.destroy();
      return;
    }
    const upstream = connect(backend, '127.0.0.1');
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    target(p) {
      // A server that dies takes its connections with it: cut them, or pooled HTTP connections and
      // the WebSockets would keep talking to the old life.
      backend = p;
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
