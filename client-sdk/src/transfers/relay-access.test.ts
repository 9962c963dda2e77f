import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { HypersendClient } from '../hypersend-client.ts';
import { RelayAccess } from './relay-access.ts';

// RelayAccess.notices(device) against a signaling server that predates the per-device route: the
// SDK falls back to the shared listing and keeps only its own device's notices.
const notice = (id: string, device: string) => ({
  id,
  from: { user: 'u_alice', device: 'd_alice' },
  to: { user: 'u_bob', device },
  transferId: `t_${id}`,
  objectId: 'o'.repeat(22),
  size: 10,
  createdAt: 1,
  expiresAt: Date.now() + 60_000,
});

let server: Server | undefined;
afterEach(() => server?.close());

async function fakeSignaling(perDevice: boolean): Promise<{ url: string; paths: string[] }> {
  const paths: string[] = [];
  server = createServer((req, res) => {
    paths.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    if (req.url === '/v1/relay-notices') {
      res.end(JSON.stringify({ notices: [notice('n1', 'd_phone'), notice('n2', 'd_laptop')] }));
    } else if (perDevice && req.url === '/v1/devices/d_phone/relay-notices') {
      res.end(JSON.stringify({ notices: [notice('n1', 'd_phone')] }));
    } else {
      res.statusCode = 404;
      res.end(JSON.stringify({ error: { code: 'not_found', message: 'not found' } }));
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths };
}

function access(baseUrl: string): RelayAccess {
  const client = {
    api: { baseUrl },
    session: { token: async () => 'token', rejected: async () => 'token' },
  } as unknown as HypersendClient;
  const log = { debug() {}, info() {}, warn() {}, error() {} };
  return new RelayAccess(client, { log: log as never });
}

describe('RelayAccess.notices', () => {
  it('uses the per-device route when the server has it', async () => {
    const { url, paths } = await fakeSignaling(true);
    const got = await access(url).notices('d_phone');
    expect(got.map((n) => n.id)).toEqual(['n1']);
    expect(paths).toEqual(['/v1/devices/d_phone/relay-notices']);
  });

  it('falls back to the shared listing, filtered to its device, on an older server', async () => {
    const { url, paths } = await fakeSignaling(false);
    const got = await access(url).notices('d_phone');
    expect(got.map((n) => n.id)).toEqual(['n1']);
    expect(paths).toEqual(['/v1/devices/d_phone/relay-notices', '/v1/relay-notices']);
  });
});
