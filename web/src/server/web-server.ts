// A deliberately tiny static server: a fixed table of in-memory answers built at start-up. Request
// paths are looked up as exact strings and never touch the filesystem, so no spelling of `..`,
// encoded or not, can reach a file outside the table.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { type AppAssets, buildAppAssets } from './app-bundle.ts';
import type { WebConfig } from './config.ts';
import { securityHeaders } from './security-headers.ts';

/**
 * What `/config.json` tells the app: where signaling and the relay are, as browsers reach them
 * (`relayUrl: null`: this deployment has no relay).
 */
export interface AppRuntimeConfig {
  signalingUrl: string;
  relayUrl: string | null;
}

/** A running web server. */
export interface WebServer {
  /** `http://host:port` it listens on (the real port when `config.port` was 0). */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Options of {@link createWebServer}. */
export interface WebServerOptions {
  config: WebConfig;
  /** Prebuilt assets (tests share one bundle between servers); built from web/src/app otherwise. */
  assets?: AppAssets;
}

interface StaticAnswer {
  body: Buffer;
  contentType: string;
  cacheControl: string;
  etag: string;
  /** The same bytes gzipped (compressed once at start-up), when that saves anything. */
  gzip: { body: Buffer; etag: string } | undefined;
}

// Worth compressing: the bundle is ~1.2 MB, ~0.36 MB gzipped (level 9 costs ~0.2 s once).
const MIN_GZIP_BYTES = 1024;

const ALLOWED_METHODS = 'GET, HEAD';

/**
 * Bundle the app (unless `assets` is given) and listen. Every answer, errors included, carries
 * the security headers; only GET and HEAD are served; anything else is a JSON 404 or 405.
 *
 * @example
 * const web = await createWebServer({ config: loadWebConfig({ WEB_PORT: '0' }) });
 * console.log(`open ${web.url}`);
 * await web.close();
 */
export async function createWebServer(options: WebServerOptions): Promise<WebServer> {
  const { config } = options;
  const assets = options.assets ?? (await buildAppAssets());
  const routes = routeTable(assets, { signalingUrl: config.signalingUrl, relayUrl: config.relayUrl });
  const headers = securityHeaders(config);

  const server: Server = createServer((req, res) => {
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    answer(routes, req, res);
  });
  // Nothing here reads a request body; a slow client gets little time to hold a socket open.
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function routeTable(assets: AppAssets, runtime: AppRuntimeConfig): Map<string, StaticAnswer> {
  const entry = (body: Buffer, contentType: string, cacheControl = 'no-cache'): StaticAnswer => {
    const etag = createHash('sha256').update(body).digest('base64url').slice(0, 27);
    const gzipped = body.length >= MIN_GZIP_BYTES ? gzipSync(body, { level: 9 }) : undefined;
    return {
      body,
      contentType,
      cacheControl,
      etag: `"${etag}"`,
      gzip: gzipped && gzipped.length < body.length ? { body: gzipped, etag: `"${etag}-gz"` } : undefined,
    };
  };
  const html = entry(assets.html, 'text/html; charset=utf-8');
  return new Map([
    ['/', html],
    ['/index.html', html],
    ['/app.js', entry(assets.js, 'text/javascript; charset=utf-8')],
    ['/app.css', entry(assets.css, 'text/css; charset=utf-8')],
    ['/favicon.svg', entry(assets.favicon, 'image/svg+xml')],
    ['/config.json', entry(json(runtime), 'application/json; charset=utf-8', 'no-store')],
    ['/healthz', entry(json({ status: 'ok' }), 'application/json; charset=utf-8', 'no-store')],
  ]);
}

function answer(routes: ReadonlyMap<string, StaticAnswer>, req: IncomingMessage, res: ServerResponse): void {
  const target = req.url ?? '';
  const query = target.indexOf('?');
  const path = query === -1 ? target : target.slice(0, query);
  const found = routes.get(path);
  if (!found) {
    sendError(res, 404, 'not_found', 'no such page');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', ALLOWED_METHODS);
    sendError(res, 405, 'method_not_allowed', `use ${ALLOWED_METHODS}`);
    return;
  }
  res.setHeader('Cache-Control', found.cacheControl);
  if (found.gzip) res.setHeader('Vary', 'Accept-Encoding');
  const gzip = found.gzip && acceptsGzip(req.headers['accept-encoding']) ? found.gzip : undefined;
  const { body, etag } = gzip ?? found;
  res.setHeader('ETag', etag);
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304).end();
    return;
  }
  if (gzip) res.setHeader('Content-Encoding', 'gzip');
  res.setHeader('Content-Type', found.contentType);
  res.setHeader('Content-Length', body.length);
  res.writeHead(200);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** True when `Accept-Encoding` lists gzip (or `*`) without `q=0`. */
function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding = '', ...params] = part.trim().toLowerCase().split(';');
    if (coding.trim() !== 'gzip' && coding.trim() !== '*') return false;
    return !params.some((p) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(p));
  });
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  const body = json({ error: { code, message } });
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', body.length);
  res.writeHead(status);
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}
