import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_DIR, type AppAssets } from './app-bundle.ts';
import { loadWebConfig, WebConfigError } from './config.ts';
import { contentSecurityPolicy } from './security-headers.ts';
import { createWebServer, type WebServer } from './web-server.ts';

// Fixed stand-ins for the bundle: these tests are about the server, not esbuild (the Chromium
// suite in test/src/web serves the real bundle).
const assets: AppAssets = {
  html: Buffer.from('<!doctype html><title>t</title><script type="module" src="/app.js"></script>'),
  js: Buffer.from(`console.log(${JSON.stringify('app '.repeat(2000))})`),
  css: Buffer.from('body{}'),
  favicon: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'),
};
const SECRET_MARKER = 'hypersend-web-secret-marker';

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with the path sent byte for byte (fetch would normalize `..` away). */
function raw(server: WebServer, path: string, method = 'GET', headers: Record<string, string> = {}) {
  return new Promise<RawAnswer>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** Like {@link raw}, keeping the body as bytes (for gzip). */
function rawBytes(server: WebServer, path: string, headers: Record<string, string>) {
  return new Promise<{ headers: RawAnswer['headers']; body: Buffer }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

function expectSecurityHeaders(answer: RawAnswer): void {
  const csp = String(answer.headers['content-security-policy']);
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain(
    "connect-src 'self' https://signal.example wss://signal.example http://relay.example:8090 ws://relay.example:8090;",
  );
  expect(csp).not.toMatch(/unsafe-inline|'unsafe-eval'|\*/);
  expect(answer.headers['x-content-type-options']).toBe('nosniff');
  expect(answer.headers['referrer-policy']).toBe('no-referrer');
  expect(answer.headers['x-frame-options']).toBe('DENY');
}

describe('web server', () => {
  let server: WebServer;
  beforeAll(async () => {
    const config = loadWebConfig({
      WEB_PORT: '0',
      WEB_SIGNALING_URL: 'https://signal.example',
      WEB_RELAY_URL: 'http://relay.example:8090',
    });
    server = await createWebServer({ config, assets });
  });
  afterAll(() => server.close());

  it('serves the page, bundle and runtime config with the security headers', async () => {
    const page = await raw(server, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toBe(assets.html.toString());
    expectSecurityHeaders(page);

    const js = await raw(server, '/app.js?v=1');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expectSecurityHeaders(js);

    const config = await raw(server, '/config.json');
    expect(config.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(config.body)).toEqual({
      signalingUrl: 'https://signal.example',
      relayUrl: 'http://relay.example:8090',
    });
  });

  it('answers HEAD without a body and revalidates with the ETag', async () => {
    const head = await raw(server, '/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(Number(head.headers['content-length'])).toBe(assets.html.length);
    const again = await raw(server, '/', 'GET', { 'if-none-match': String(head.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
  });

  it('refuses other methods with a JSON 405 and unknown paths with a JSON 404, headers included', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
      const answer = await raw(server, '/', method);
      expect(answer.status, method).toBe(405);
      expect(answer.headers.allow).toBe('GET, HEAD');
      expect(JSON.parse(answer.body)).toEqual({
        error: { code: 'method_not_allowed', message: 'use GET, HEAD' },
      });
      expectSecurityHeaders(answer);
    }
    const missing = await raw(server, '/nope');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body).error.code).toBe('not_found');
    expectSecurityHeaders(missing);
  });

  it('cannot be walked out of: every spelling of a parent path is a 404 without file bytes', async () => {
    const attempts = [
      '/../package.json',
      '/../../../../etc/passwd',
      '/%2e%2e/%2e%2e/package.json',
      '/..%2f..%2fpackage.json',
      '/%2E%2E%5Cpackage.json',
      '/app.js/../../../package.json',
      '/./app.js/..',
      '//etc/passwd',
      '/..\\..\\package.json',
      '/src/server/web-server.ts',
      '/web/src/app/main.ts',
      '/%00/etc/passwd',
      `/${SECRET_MARKER}`,
      '/etc/passwd%00.js',
    ];
    for (const path of attempts) {
      const answer = await raw(server, path);
      expect(answer.status, path).toBe(404);
      expect(answer.body, path).toBe('{"error":{"code":"not_found","message":"no such page"}}');
    }
  });

  it('gzips the bundle for clients that accept it, with its own ETag', async () => {
    const plain = await raw(server, '/app.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toBe('Accept-Encoding');
    expect(plain.body).toBe(assets.js.toString());
    const zipped = await rawBytes(server, '/app.js', { 'accept-encoding': 'br, gzip;q=0.8' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(zipped.body).equals(assets.js)).toBe(true);
    expect(zipped.body.length).toBeLessThan(assets.js.length);
    expect(zipped.headers.etag).not.toBe(plain.headers.etag);
    const refused = await raw(server, '/app.js', 'GET', { 'accept-encoding': 'gzip;q=0' });
    expect(refused.headers['content-encoding']).toBeUndefined();
    const revalidated = await raw(server, '/app.js', 'GET', {
      'accept-encoding': 'gzip',
      'if-none-match': String(zipped.headers.etag),
    });
    expect(revalidated.status).toBe(304);
  });

  it('serves /healthz for container health checks', async () => {
    const answer = await raw(server, '/healthz');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ status: 'ok' });
  });
});

describe('loadWebConfig', () => {
  it('has the documented defaults', () => {
    expect(loadWebConfig({})).toEqual({
      host: '127.0.0.1',
      port: 8070,
      signalingUrl: 'http://127.0.0.1:8080',
      relayUrl: 'http://127.0.0.1:8090',
    });
  });

  it('WEB_RELAY_URL=none: no relay in /config.json (the app turns the fallback off) nor in the CSP', () => {
    const config = loadWebConfig({ WEB_SIGNALING_URL: 'https://signal.example', WEB_RELAY_URL: 'none' });
    expect(config.relayUrl).toBeNull();
    expect(contentSecurityPolicy(config)).toContain(
      "connect-src 'self' https://signal.example wss://signal.example;",
    );
  });

  it('names the variable that is wrong', () => {
    const bad: Array<[Record<string, string>, string]> = [
      [{ WEB_PORT: 'eighty' }, 'WEB_PORT'],
      [{ WEB_PORT: '70000' }, 'WEB_PORT'],
      [{ WEB_SIGNALING_URL: 'ftp://x.example' }, 'WEB_SIGNALING_URL'],
      [{ WEB_SIGNALING_URL: 'https://x.example/app' }, 'WEB_SIGNALING_URL'],
      [{ WEB_RELAY_URL: 'https://user:pw@relay.example' }, 'WEB_RELAY_URL'],
      [{ WEB_RELAY_URL: 'not a url' }, 'WEB_RELAY_URL'],
    ];
    for (const [env, variable] of bad) {
      const attempt = () => loadWebConfig(env);
      expect(attempt).toThrow(WebConfigError);
      expect(attempt).toThrow(new RegExp(`^${variable}: `));
    }
  });
});

describe('index.html', () => {
  it('has no inline script, inline style or event handler attribute (the CSP would block them)', async () => {
    const html = await readFile(join(APP_DIR, 'index.html'), 'utf8');
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/\bsrc="\/app\.js"/);
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
  });
});
