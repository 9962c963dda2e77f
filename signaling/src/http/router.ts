import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { STATUS_CODES } from 'node:http';
import type { z } from 'zod';
import type { AccessClaims, ServerContext } from '../context.ts';
import { MetricName } from '../metric-names.ts';
import { HttpError } from './errors.ts';
import { MAX_JSON_BODY_BYTES, parseJson, readBody } from './json-body.ts';
import { type RequestInfo, readRequestInfo } from './request-info.ts';

/** What a handler answers. `json` is serialized; `text` is sent as is with `contentType`. */
export interface RouteResult {
  status: number;
  json?: unknown;
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/** Handler input. `auth` is set on routes declared with `auth: true` (see `callerOf`). */
export interface RouteInput<B> {
  req: RequestInfo;
  body: B;
  auth: AccessClaims | null;
}

/**
 * The authenticated caller's user id; only null on routes declared without `auth`.
 *
 * @example
 * handle: (input) => ({ status: 200, json: await accounts.me(callerOf(input)) })
 */
export function callerOf(input: { auth: AccessClaims | null }): string {
  return claimsOf(input).userId;
}

/** The authenticated caller's verified claims (see `callerOf`). */
export function claimsOf(input: { auth: AccessClaims | null }): AccessClaims {
  if (!input.auth) throw HttpError.unauthorized('missing_token');
  return input.auth;
}

/** A route as the router sees it (body type erased after `defineRoute` wrapped the parser). */
export interface Route {
  method: 'get' | 'post' | 'del';
  /** uWS pattern, `:name` for parameters. Also the `route` metric label. */
  pattern: string;
  auth: boolean;
  /** Answers carry credentials or personal data: never cache. Defaults to true. */
  noStore: boolean;
  parse: ((bytes: Buffer) => unknown) | null;
  handle(input: RouteInput<unknown>): Promise<RouteResult> | RouteResult;
}

/**
 * Declare a route; the body schema types the handler's `body`.
 *
 * @example
 * defineRoute({ method: 'post', pattern: '/v1/auth/login', auth: false, body: LoginRequest,
 *   handle: async ({ body, req }) => ({ status: 200, json: await accounts.login(body, req.ip) }) });
 */
export function defineRoute<B = undefined>(def: {
  method: Route['method'];
  pattern: string;
  auth: boolean;
  noStore?: boolean;
  body?: z.ZodType<B>;
  handle(input: RouteInput<B>): Promise<RouteResult> | RouteResult;
}): Route {
  const schema = def.body;
  return {
    method: def.method,
    pattern: def.pattern,
    auth: def.auth,
    noStore: def.noStore ?? true,
    parse: schema ? (bytes) => parseJson(bytes, schema) : null,
    // The body was produced by `parse` with this route's own schema, so it is a B.
    handle: (input) => def.handle(input as RouteInput<B>),
  };
}

const BASE_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/** Per-request state shared by the abort handler and the async continuation. */
interface Exchange {
  res: HttpResponse;
  aborted: boolean;
  done: boolean;
  info: RequestInfo;
  route: string;
  noStore: boolean;
}

/**
 * Register routes on the uWS app, plus CORS preflight and a JSON 404 for everything else.
 * Each request: copy what is needed from `req`, attach `onAborted`, stream the body with a size
 * limit, authenticate, parse with the route's schema, run the handler, and write the answer in one
 * corked write unless the client went away.
 *
 * @example
 * registerRoutes(app, ctx, [...authRoutes(deps), ...deviceRoutes(deps)]);
 */
export function registerRoutes(app: TemplatedApp, ctx: ServerContext, routes: readonly Route[]): void {
  rememberRoutes(app, routes);
  const log = ctx.log.child({ component: 'http' });
  const allowed = new Set(ctx.config.allowedOrigins);

  const finish = (ex: Exchange, result: RouteResult) => {
    if (ex.aborted || ex.done) return;
    ex.done = true;
    ctx.metrics.inc(MetricName.httpRequests, {
      route: ex.route,
      method: ex.info.method,
      status: String(result.status),
    });
    const body = result.text ?? (result.json === undefined ? '' : JSON.stringify(result.json));
    ex.res.cork(() => {
      ex.res.writeStatus(`${result.status} ${STATUS_CODES[result.status] ?? ''}`);
      for (const [k, v] of Object.entries(BASE_HEADERS)) ex.res.writeHeader(k, v);
      if (ex.noStore) ex.res.writeHeader('Cache-Control', 'no-store');
      if (result.status !== 204) {
        ex.res.writeHeader(
          'Content-Type',
          result.contentType ??
            (result.text === undefined ? 'application/json; charset=utf-8' : 'text/plain'),
        );
      }
      writeCors(ex.res, ex.info.headers.origin, allowed);
      for (const [k, v] of Object.entries(result.headers ?? {})) ex.res.writeHeader(k, v);
      // A 413 is answered before the body was read: close rather than parse the rest as a request.
      if (result.status === 204) ex.res.endWithoutBody();
      else ex.res.end(body, result.status === 413);
    });
  };

  const fail = (ex: Exchange, err: unknown) => {
    const httpErr = err instanceof HttpError ? err : HttpError.internal(err);
    if (httpErr.status === 401)
      ctx.metrics.inc(MetricName.authFailures, { reason: httpErr.reason ?? 'unknown' });
    if (httpErr.status >= 500) log.error({ err, route: ex.route }, 'request failed');
    else log.debug({ route: ex.route, status: httpErr.status, reason: httpErr.reason }, httpErr.message);
    finish(ex, { status: httpErr.status, json: httpErr.toBody(), headers: { ...httpErr.headers } });
  };

  const authenticate = async (info: RequestInfo): Promise<AccessClaims> => {
    const header = info.headers.authorization;
    if (!header) throw HttpError.unauthorized('missing_token');
    const match = /^Bearer ([^\s]+)$/i.exec(header);
    if (!match?.[1]) throw HttpError.unauthorized('malformed_header');
    return ctx.tokens.verifyAccessToken(match[1]);
  };

  for (const route of routes) {
    const paramNames = [...route.pattern.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!);
    app[route.method](route.pattern, (res: HttpResponse, req: HttpRequest) => {
      const info = readRequestInfo(res, req, paramNames, ctx.config.trustProxy);
      const ex: Exchange = {
        res,
        aborted: false,
        done: false,
        info,
        route: route.pattern,
        noStore: route.noStore,
      };
      res.onAborted(() => {
        ex.aborted = true;
      });
      const body = route.parse ? readBody(res, req, MAX_JSON_BODY_BYTES) : Promise.resolve(null);
      // Unhandled rejection guard: `body` may reject before it is awaited below.
      body.catch(() => {});
      void (async () => {
        try {
          const auth = route.auth ? await authenticate(info) : null;
          const bytes = await body;
          const parsed = route.parse && bytes ? route.parse(bytes) : undefined;
          finish(ex, await route.handle({ req: info, body: parsed, auth }));
        } catch (err) {
          fail(ex, err);
        }
      })();
    });
  }

  app.options('/*', (res, req) => {
    const origin = req.getHeader('origin');
    res.cork(() => {
      if (!allowed.has(origin)) {
        res.writeStatus('403 Forbidden').writeHeader('Content-Type', 'application/json; charset=utf-8');
        res.end(JSON.stringify(HttpError.forbidden('origin not allowed').toBody()));
        return;
      }
      res.writeStatus('204 No Content');
      writeCors(res, origin, allowed);
      res.writeHeader('Access-Control-Allow-Methods', 'GET, POST, DELETE');
      res.writeHeader('Access-Control-Allow-Headers', 'authorization, content-type');
      res.writeHeader('Access-Control-Max-Age', '600');
      res.endWithoutBody();
    });
  });
}

/** Every route registered on an app, so the catch-all can tell a wrong method from a wrong path. */
const registered = new WeakMap<TemplatedApp, Array<{ method: string; path: RegExp }>>();

const METHOD_NAMES: Record<Route['method'], string> = { get: 'GET', post: 'POST', del: 'DELETE' };

function rememberRoutes(app: TemplatedApp, routes: readonly Route[]): void {
  const list = registered.get(app) ?? [];
  for (const r of routes) {
    const source = r.pattern
      .split('/')
      .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&')))
      .join('/');
    list.push({ method: METHOD_NAMES[r.method], path: new RegExp(`^${source}$`, 'u') });
  }
  registered.set(app, list);
}

/** Methods the routes registered on `app` accept at `url`; empty when no route has that path. */
export function allowedMethods(app: TemplatedApp, url: string): string[] {
  const methods = new Set<string>();
  for (const r of registered.get(app) ?? []) if (r.path.test(url)) methods.add(r.method);
  return [...methods];
}

/**
 * The catch-all, registered last so the WebSocket route and real routes win: a JSON 405 with
 * `Allow` when the path exists under another method, else a JSON 404.
 */
export function registerNotFound(app: TemplatedApp, ctx: ServerContext): void {
  app.any('/*', (res, req) => {
    const allow = allowedMethods(app, req.getUrl());
    const origin = req.getHeader('origin');
    const status = allow.length > 0 ? 405 : 404;
    ctx.metrics.inc(MetricName.httpRequests, { route: 'unmatched', method: 'any', status: String(status) });
    res.cork(() => {
      res.writeStatus(status === 405 ? '405 Method Not Allowed' : '404 Not Found');
      for (const [k, v] of Object.entries(BASE_HEADERS)) res.writeHeader(k, v);
      res.writeHeader('Content-Type', 'application/json; charset=utf-8');
      // Browsers must be able to read a 404 too: the SDK treats a missing /v1/turn/credentials
      // (no TURN configured) as "host candidates only", which a CORS failure would hide.
      writeCors(res, origin, new Set(ctx.config.allowedOrigins));
      if (status === 405) {
        res.writeHeader('Allow', allow.join(', '));
        res.end(JSON.stringify(HttpError.methodNotAllowed(allow).toBody()));
      } else res.end(JSON.stringify(HttpError.notFound('no such route').toBody()));
    });
  });
}

/** CORS only for configured origins; `Vary` so caches keep answers per origin apart. */
function writeCors(res: HttpResponse, origin: string, allowed: ReadonlySet<string>): void {
  if (!origin || !allowed.has(origin)) return;
  res.writeHeader('Access-Control-Allow-Origin', origin);
  res.writeHeader('Vary', 'Origin');
}
