import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { createTokenVerifier, KeysUnavailableError, type TokenVerifier } from './auth.ts';
import type { ByteStore } from './byte-store.ts';
import type { RelayConfig } from './config.ts';
import { type Clock, type RelayContext, systemClock } from './context.ts';
import { createRelayCors } from './cors.ts';
import { createFileBytes } from './file-bytes.ts';
import { sendError, sendJson, sendNotFound } from './http-util.ts';
import { createRelayLogger } from './logger.ts';
import { createMongoRelayStore } from './mongo-relay-store.ts';
import { ackObject, downloadObject, listObjects } from './object-routes.ts';
import type { RelayObjectStore } from './relay-store.ts';
import { createS3Bytes } from './s3-bytes.ts';
import { createSqliteRelayStore } from './sqlite-relay-store.ts';
import { startSweeper, sweepExpired } from './sweeper.ts';
import { createUploadRoutes, UPLOADS_PATH } from './upload-routes.ts';

/** A running relay. */
export interface RelayServer {
  /** `http://HOST:PORT` with the actual port. */
  url: string;
  port: number;
  /** Run one sweep now (the timer runs it every `sweepIntervalMs`); resolves to objects removed. */
  sweep(): Promise<number>;
  /** Stop accepting requests, stop the sweeper, close the store if the relay opened it. */
  close(): Promise<void>;
}

const OBJECT_ID = /^[A-Za-z0-9_-]{22}$/;

/**
 * Build and start the relay: tus uploads at `/v1/uploads`, downloads and acknowledgements at
 * `/v1/objects`, and the expiry sweeper. Bytes go to `RELAY_DATA_DIR/objects` (or S3), metadata to
 * MongoDB or `RELAY_DATA_DIR/relay.db`.
 *
 * @example
 * const relay = await createRelayServer({ config: loadRelayConfig({ RELAY_PORT: '0', RELAY_JWKS_URL }) });
 * await fetch(`${relay.url}/v1/objects`, { headers: { authorization: `Bearer ${token}` } });
 * await relay.close();
 */
export async function createRelayServer(options: {
  config: RelayConfig;
  store?: RelayObjectStore;
  bytes?: ByteStore;
  tokens?: TokenVerifier;
  clock?: Clock;
  log?: Logger;
}): Promise<RelayServer> {
  const { config } = options;
  const log = (options.log ?? createRelayLogger(config.logLevel)).child({ component: 'relay' });
  const ownsStore = !options.store;
  const store =
    options.store ??
    (config.mongo
      ? await createMongoRelayStore(config.mongo)
      : createSqliteRelayStore({ path: join(config.dataDir, 'relay.db') }));
  const incompleteTtlMs = config.limits.incompleteTtlMs;
  const bytes =
    options.bytes ??
    (config.s3
      ? createS3Bytes(config.s3, { incompleteTtlMs })
      : await createFileBytes({ directory: join(config.dataDir, 'objects'), incompleteTtlMs }));
  const tokens = options.tokens ?? createTokenVerifier(config.jwt);
  const ctx: RelayContext = { config, store, bytes, clock: options.clock ?? systemClock, log };
  const cors = createRelayCors(config.allowedOrigins);
  const uploads = createUploadRoutes(ctx, cors);

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://relay.invalid');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/healthz' && method === 'GET') return sendJson(res, 200, { status: 'ok' });

    const isTus = path === UPLOADS_PATH || path.startsWith(`${UPLOADS_PATH}/`);
    const isObjects = path === '/v1/objects' || path.startsWith('/v1/objects/');
    if (!isTus && !isObjects) return sendError(res, 404, 'not_found', 'no such route');
    // Browsers: a preflight carries no token; every other answer (errors too) carries the grant,
    // so the page can read a 401 or 404 instead of seeing a network failure.
    if (method === 'OPTIONS') {
      // tus answers its own preflight (with discovery: Tus-Version, Tus-Extension, Tus-Max-Size)
      // for non-browser clients and allowed origins; anyone else gets no grant.
      const origin = req.headers.origin;
      if (!isTus || (origin !== undefined && !cors.allows(origin))) return cors.preflight(req, res);
      cors.apply(req, res);
      return uploads.tus.handle(req, res);
    }
    cors.apply(req, res);

    const userId = await tokens.verify(req.headers.authorization);
    if (!userId)
      return sendError(res, 401, 'unauthorized', 'a valid access token from signaling is required', {
        'www-authenticate': 'Bearer',
        ...(isTus ? { 'tus-resumable': '1.0.0' } : {}),
      });

    if (isTus) {
      if (path === UPLOADS_PATH) {
        if (method === 'POST') return uploads.create(req, res, userId);
        return sendError(res, 405, 'not_found', 'use POST to create an upload', { allow: 'POST, OPTIONS' });
      }
      const id = path.slice(UPLOADS_PATH.length + 1);
      if (!OBJECT_ID.test(id) || !['HEAD', 'PATCH', 'DELETE'].includes(method))
        return sendNotFound(res, true);
      return uploads.existing(req, res, id, userId);
    }

    if (path === '/v1/objects' && method === 'GET') return listObjects(ctx, res, userId);
    const match = /^\/v1\/objects\/([A-Za-z0-9_-]{22})(\/ack)?$/.exec(path);
    const id = match?.[1];
    if (!id) return sendNotFound(res, false);
    if (match[2] && method === 'POST') return ackObject(ctx, res, id, userId);
    if (!match[2] && (method === 'GET' || method === 'HEAD'))
      return downloadObject(ctx, req, res, id, userId);
    return sendNotFound(res, false);
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      const jwksDown = err instanceof KeysUnavailableError;
      log.error({ err, method: req.method, url: req.url }, jwksDown ? 'JWKS unavailable' : 'request failed');
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (jwksDown) sendError(res, 503, 'unavailable', 'cannot verify tokens right now; retry');
      else sendError(res, 500, 'internal', 'internal error');
    });
  });
  // Large PATCH bodies may take long; the tus client resumes if a connection drops anyway.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 10_000;

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(config.port, config.host, () => {
      server.off('error', fail);
      ok();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const stopSweeper = startSweeper(ctx, config.sweepIntervalMs);
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  log.info({ url, bytes: bytes.kind, store: config.mongo ? 'mongodb' : 'sqlite' }, 'relay listening');

  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    sweep: () => sweepExpired(ctx),
    close() {
      closed ??= (async () => {
        stopSweeper();
        await new Promise<void>((ok) => {
          server.close(() => ok());
          server.closeIdleConnections();
          // In-flight uploads are cut: tus clients resume from the durable offset.
          setTimeout(() => server.closeAllConnections(), 2000).unref();
        });
        if (ownsStore) await store.close();
      })();
      return closed;
    },
  };
}
