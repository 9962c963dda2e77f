import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/src/helpers/server.ts';
import { registerUser, type TestUser } from '../../test/src/helpers/users.ts';
import { ConfigError, loadRelayConfig } from './config.ts';
import { startTestRelay, type TestRelay, tusHeaders } from './test-support.ts';

// The relay's CORS against a real signaling server and real HTTP: only the configured origins get
// a grant (preflight with every tus header, exposed offsets and locations); a foreign origin none.

const APP = 'http://app.example.test:8070';
const FOREIGN = 'http://evil.example.test';

let signaling: TestServer;
let relay: TestRelay;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  signaling = await startTestServer();
  relay = await startTestRelay(signaling.url, { RELAY_ALLOWED_ORIGINS: `${APP}, http://localhost:8070` });
  [alice, bob] = await Promise.all([registerUser(signaling), registerUser(signaling)]);
});
afterAll(async () => {
  await relay?.close();
  await signaling?.close();
});

const preflight = (path: string, origin: string, method: string, headers: string) =>
  fetch(`${relay.url}${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
  });

const TUS_REQUEST_HEADERS =
  'authorization,content-type,tus-resumable,upload-offset,upload-length,upload-metadata';

const listed = (value: string | null) => (value ?? '').split(/\s*,\s*/u).map((h) => h.toLowerCase());

describe('relay CORS', () => {
  it('grants a preflight from an allowed origin with every tus request header, on uploads and objects', async () => {
    for (const [path, method] of [
      ['/v1/uploads', 'POST'],
      ['/v1/uploads/AAAAAAAAAAAAAAAAAAAAAA', 'PATCH'],
      ['/v1/objects/AAAAAAAAAAAAAAAAAAAAAA', 'GET'],
    ] as const) {
      const res = await preflight(path, APP, method, TUS_REQUEST_HEADERS);
      expect(res.status, path).toBe(204);
      expect(res.headers.get('access-control-allow-origin'), path).toBe(APP);
      expect(listed(res.headers.get('access-control-allow-methods')), path).toContain(method.toLowerCase());
      expect(listed(res.headers.get('access-control-allow-headers')), path).toEqual(
        expect.arrayContaining([...TUS_REQUEST_HEADERS.split(','), ...(method === 'GET' ? ['range'] : [])]),
      );
      expect(res.headers.get('vary'), path).toMatch(/origin/iu);
    }
    // tus discovery still answers on the upload endpoint.
    const discovery = await preflight('/v1/uploads', APP, 'POST', TUS_REQUEST_HEADERS);
    expect(discovery.headers.get('tus-version')).toContain('1.0.0');
  });

  it('gives a foreign origin no grant: not on a preflight, not on an authenticated answer', async () => {
    const pre = await preflight('/v1/uploads', FOREIGN, 'POST', TUS_REQUEST_HEADERS);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect(pre.headers.get('access-control-allow-headers')).toBeNull();
    expect(pre.headers.get('access-control-allow-methods')).toBeNull();
    // Even a valid creation by a real user (a script on a foreign page holding a stolen token
    // could send it) is not readable there: no Allow-Origin, tus's default `*` included.
    const res = await fetch(`${relay.url}/v1/uploads`, {
      method: 'POST',
      headers: tusHeaders(alice.accessToken, {
        origin: FOREIGN,
        'upload-length': '10',
        'upload-metadata': `recipient ${Buffer.from(bob.userId).toString('base64')},transferId ${Buffer.from('t_x').toString('base64')},firstChunk ${Buffer.from('0').toString('base64')}`,
      }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const list = await fetch(`${relay.url}/v1/objects`, {
      headers: { origin: FOREIGN, authorization: `Bearer ${bob.accessToken}` },
    });
    expect(list.status).toBe(200);
    expect(list.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('an allowed origin can read tus answers (Location, Upload-Offset exposed), errors and ranged downloads', async () => {
    const created = await fetch(`${relay.url}/v1/uploads`, {
      method: 'POST',
      headers: tusHeaders(alice.accessToken, {
        origin: APP,
        'upload-length': '5',
        'upload-metadata': `recipient ${Buffer.from(bob.userId).toString('base64')},transferId ${Buffer.from('t_y').toString('base64')},firstChunk ${Buffer.from('0').toString('base64')}`,
      }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('access-control-allow-origin')).toBe(APP);
    expect(listed(created.headers.get('access-control-expose-headers'))).toEqual(
      expect.arrayContaining(['location', 'upload-offset', 'tus-resumable']),
    );
    const url = new URL(created.headers.get('location') ?? '', relay.url).toString();
    const patched = await fetch(url, {
      method: 'PATCH',
      headers: tusHeaders(alice.accessToken, {
        origin: APP,
        'upload-offset': '0',
        'content-type': 'application/offset+octet-stream',
      }),
      body: randomBytes(5),
    });
    expect(patched.status).toBe(204);
    expect(patched.headers.get('access-control-allow-origin')).toBe(APP);
    expect(listed(patched.headers.get('access-control-expose-headers'))).toContain('upload-offset');
    const head = await fetch(url, {
      method: 'HEAD',
      headers: tusHeaders(alice.accessToken, { origin: APP }),
    });
    expect(head.headers.get('upload-offset')).toBe('5');
    expect(head.headers.get('access-control-allow-origin')).toBe(APP);

    const id = url.slice(url.lastIndexOf('/') + 1);
    const ranged = await fetch(`${relay.url}/v1/objects/${id}`, {
      headers: { origin: APP, authorization: `Bearer ${bob.accessToken}`, range: 'bytes=2-' },
    });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('access-control-allow-origin')).toBe(APP);
    expect(listed(ranged.headers.get('access-control-expose-headers'))).toContain('content-range');
    // A refusal is readable too (the page sees 401, not a network error).
    const refused = await fetch(`${relay.url}/v1/objects`, { headers: { origin: APP } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(APP);
  });

  it('reads RELAY_ALLOWED_ORIGINS, else HYPERSEND_ALLOWED_ORIGINS, and refuses a URL with a path', () => {
    expect(loadRelayConfig({}).allowedOrigins).toEqual([]);
    expect(loadRelayConfig({ HYPERSEND_ALLOWED_ORIGINS: APP }).allowedOrigins).toEqual([APP]);
    expect(
      loadRelayConfig({ HYPERSEND_ALLOWED_ORIGINS: APP, RELAY_ALLOWED_ORIGINS: 'https://a.example' })
        .allowedOrigins,
    ).toEqual(['https://a.example']);
    expect(() => loadRelayConfig({ RELAY_ALLOWED_ORIGINS: 'https://a.example/app' })).toThrow(ConfigError);
    expect(() => loadRelayConfig({ RELAY_ALLOWED_ORIGINS: 'https://a.example/app' })).toThrow(
      /RELAY_ALLOWED_ORIGINS/u,
    );
  });
});
