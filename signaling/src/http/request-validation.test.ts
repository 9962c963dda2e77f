import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/src/helpers/server.ts';
import { registerUser, type TestUser } from '../../../test/src/helpers/users.ts';
import { MAX_JSON_BODY_BYTES } from './json-body.ts';

let server: TestServer;
let user: TestUser;
beforeAll(async () => {
  server = await startTestServer({ HYPERSEND_ALLOWED_ORIGINS: 'https://app.example' });
  user = await registerUser(server);
});
afterAll(async () => {
  await server?.close();
});

const raw = (
  path: string,
  body: string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) => fetch(`${server.url}${path}`, { method: 'POST', headers, body });

describe('request validation', () => {
  it('answers 413 for a body over the limit', async () => {
    const big = JSON.stringify({ username: 'a'.repeat(MAX_JSON_BODY_BYTES), password: 'x' });
    const res = await raw('/v1/auth/login', big);
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('payload_too_large');
  });

  it('answers 413 for a chunked body that grows over the limit while streaming', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(4096));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await fetch(`${server.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
  });

  it('answers 400 for malformed JSON', async () => {
    const res = await raw('/v1/auth/login', '{"username": "a", ');
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('bad_request');
  });

  it('answers 400 naming the field for operator injection', async () => {
    const res = await raw('/v1/auth/login', JSON.stringify({ username: { $gt: '' }, password: 'x' }));
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe('bad_request');
    expect(body.error.message).toMatch(/^username:/);
  });

  it('rejects unknown fields and a wrong Content-Type', async () => {
    const extra = await raw('/v1/auth/login', JSON.stringify({ username: 'a', password: 'b', admin: true }));
    expect(extra.status).toBe(400);
    const text = await raw('/v1/auth/login', JSON.stringify({ username: 'a', password: 'b' }), {
      'content-type': 'text/plain',
    });
    expect(text.status).toBe(415);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await fetch(`${server.url}/v1/nope`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect((await res.json()).error.code).toBe('not_found');
  });

  it('answers a known path under the wrong method with a JSON 405 and Allow', async () => {
    const res = await fetch(`${server.url}/v1/auth/login`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect((await res.json()).error.code).toBe('method_not_allowed');
    // Parameterised paths too: /v1/devices/:id is DELETE only.
    const put = await fetch(`${server.url}/v1/devices/phone`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('DELETE');
    // A path no route has stays a 404, even when a prefix of it exists.
    expect((await fetch(`${server.url}/v1/auth/login/x`)).status).toBe(404);
  });

  it('sends CORS headers only to allowed origins', async () => {
    const ok = await fetch(`${server.url}/v1/me`, {
      headers: { origin: 'https://app.example', authorization: `Bearer ${user.accessToken}` },
    });
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const other = await fetch(`${server.url}/v1/me`, {
      headers: { origin: 'https://evil.example', authorization: `Bearer ${user.accessToken}` },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${server.url}/v1/devices`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    const badPreflight = await fetch(`${server.url}/v1/devices`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example' },
    });
    expect(badPreflight.status).toBe(403);
  });

  it('survives clients that disconnect mid-body and while the answer is being computed', async () => {
    const { port } = server;
    const body = JSON.stringify({ username: 'nobody', password: 'whatever' });
    const head = `POST /v1/auth/login HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`;
    for (const payload of [head + body.slice(0, 5), head + body]) {
      const socket = connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(payload);
      // Long enough for the server to be inside the password hash when the client vanishes.
      await new Promise((resolve) => setTimeout(resolve, 30));
      socket.destroy();
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
