import type { z } from 'zod';
import { HypersendError } from '../errors.ts';
import { serverError } from './http-error.ts';
import { type Logger, silentLogger } from './runtime.ts';

/** The `fetch` the SDK calls: the global one by default, any compatible function in tests. */
export type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

/**
 * Where authenticated requests get their bearer token, and what they do after a 401.
 * {@link Session} implements it: `token()` refreshes proactively, `rejected()` refreshes once
 * (single-flight) and answers the token to retry with, or undefined to give up.
 *
 * @example
 * const api = new HttpTransport({ baseUrl }).withAuth(session);
 */
export interface BearerAuth {
  token(): Promise<string>;
  rejected(token: string): Promise<string | undefined>;
}

/** Options of {@link HttpTransport}. */
export interface HttpTransportOptions {
  /** Server base URL, e.g. `https://send.example.com` (no trailing `/v1`). */
  baseUrl: string;
  fetch?: FetchFn;
  /** Per-request deadline; the request is aborted after it. Default 15 s. */
  timeoutMs?: number;
  log?: Logger;
}

/** One request: method, path under the base URL, optional JSON body, expected answer schema. */
export interface HttpRequest<T> {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: unknown;
  /** Schema of a 2xx JSON answer; omitted for answers without a body (204). */
  schema?: z.ZodType<T>;
  /** Cancel from outside (combined with the timeout). */
  signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * The HTTP core of the SDK: JSON in and out, a deadline on every request (AbortSignal), answers
 * validated with the protocol schemas (a server that drifts from the protocol is a typed
 * `bad_response`, not a crash deep inside the app), error bodies mapped to {@link HypersendError}
 * with the server's `code` and `details.status`, and a single retry after a 401 when an
 * {@link BearerAuth} can supply a fresher token.
 *
 * @example
 * const http = new HttpTransport({ baseUrl: 'http://127.0.0.1:8080' });
 * const info = await http.request({ method: 'POST', path: '/v1/auth/register', body, schema: RegisterResponse });
 */
export class HttpTransport {
  readonly baseUrl: string;
  private readonly fetchFn: FetchFn;
  private readonly timeoutMs: number;
  private readonly log: Logger;

  constructor(
    options: HttpTransportOptions,
    private readonly auth?: BearerAuth,
  ) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    // Bound lazily-looked-up global: `fetch` called unbound throws "Illegal invocation" in browsers.
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.log = options.log ?? silentLogger;
  }

  /**
   * The same transport, sending `Authorization: Bearer` from `auth` on {@link authed} requests.
   *
   * @example
   * const authed = transport.withAuth(session);
   */
  withAuth(auth: BearerAuth): HttpTransport {
    return new HttpTransport(
      { baseUrl: this.baseUrl, fetch: this.fetchFn, timeoutMs: this.timeoutMs, log: this.log },
      auth,
    );
  }

  /**
   * An unauthenticated request.
   *
   * @example
   * await http.request({ method: 'POST', path: '/v1/auth/logout', body: { refreshToken } });
   */
  request<T>(req: HttpRequest<T>): Promise<T> {
    return this.send(req, undefined);
  }

  /**
   * An authenticated request: bearer token from the session; after a 401, one retry with the
   * token the session hands back (it refreshes at most once for all concurrent callers).
   *
   * @example
   * const me = await http.authed({ method: 'GET', path: '/v1/me', schema: UserInfo });
   * @throws HypersendError `not_authenticated` when no session is attached.
   */
  async authed<T>(req: HttpRequest<T>): Promise<T> {
    const auth = this.auth;
    if (auth === undefined) throw new HypersendError('not_authenticated', 'log in first');
    const token = await auth.token();
    try {
      return await this.send(req, token);
    } catch (err) {
      if (!HypersendError.is(err, 'unauthorized')) throw err;
      const fresh = await auth.rejected(token);
      if (fresh === undefined) throw err;
      return this.send(req, fresh);
    }
  }

  private async send<T>(req: HttpRequest<T>, token: string | undefined): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    const init: RequestInit = { method: req.method, headers, signal };
    if (req.body !== undefined) init.body = JSON.stringify(req.body);
    const what = `${req.method} ${req.path}`;
    let res: Response;
    let text: string;
    try {
      res = await this.fetchFn(`${this.baseUrl}${req.path}`, init);
      text = await res.text();
    } catch (err) {
      if (timeout.aborted)
        throw new HypersendError('timeout', `${what} timed out after ${this.timeoutMs} ms`, { cause: err });
      if (req.signal?.aborted) throw new HypersendError('cancelled', `${what} was cancelled`, { cause: err });
      throw new HypersendError('network', `${what} failed: server unreachable`, { cause: err });
    }
    this.log.debug({ method: req.method, path: req.path, status: res.status }, 'http');
    if (!res.ok) throw errorFromAnswer(what, res, text);
    if (req.schema === undefined) return undefined as T;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new HypersendError('bad_response', `${what}: answer is not JSON`, {
        cause: err,
        details: { status: res.status },
      });
    }
    const parsed = req.schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new HypersendError(
        'bad_response',
        `${what}: unexpected answer (${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'})`,
        { details: { status: res.status } },
      );
    }
    return parsed.data;
  }
}

/** Map an error answer to a HypersendError; bodies that are not `{error:{code,message}}` still map by status. */
function errorFromAnswer(what: string, res: Response, text: string): HypersendError {
  const retryAfter = Number(res.headers.get('retry-after'));
  const extra = Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfter } : {};
  try {
    const body: unknown = JSON.parse(text);
    const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    if (typeof error?.code === 'string') {
      const message = typeof error.message === 'string' ? error.message : error.code;
      return serverError(res.status, error.code, `${what}: ${message}`, extra);
    }
  } catch {
    // Not JSON (a proxy's HTML page): fall through to the status-based code.
  }
  return serverError(res.status, codeForStatus(res.status), `${what}: HTTP ${res.status}`, extra);
}

function codeForStatus(status: number): string {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 413) return 'payload_too_large';
  if (status === 429) return 'rate_limited';
  if (status === 502 || status === 503 || status === 504) return 'unavailable';
  if (status >= 500) return 'internal';
  return 'bad_request';
}
