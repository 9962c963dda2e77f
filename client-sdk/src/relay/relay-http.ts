// Browser-safe: one authenticated fetch to the relay, with errors mapped to stable codes.
import { HypersendError } from '../errors.ts';

/** What every relay client needs: the relay base URL, a bearer token source, and fetch. */
export interface RelayEndpoint {
  /** Base URL without a trailing slash, e.g. `https://relay.example.org`. */
  url: string;
  /** A current signaling access token (the relay verifies it against signaling's JWKS). */
  token(): Promise<string>;
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
}

/** Per-request deadline for control requests (HEAD, POST, ack); bodies stream without one. */
export const RELAY_REQUEST_TIMEOUT_MS = 20_000;

/**
 * True for failures worth retrying after a pause: the relay unreachable, restarting (5xx, 503
 * while its key set is unavailable), or the connection cut mid-request.
 */
export function isRetryable(err: unknown): boolean {
  return HypersendError.is(err, 'relay_unavailable');
}

/**
 * Send one request to the relay. Network failures and 5xx become `relay_unavailable` (retryable);
 * 404 becomes `not_found`; other refusals `relay_refused` with the relay's code in
 * `details.serverCode` (`quota_exceeded`, `object_too_large`, …).
 *
 * @throws HypersendError as above; `cancelled` when `signal` aborted.
 */
export async function relayFetch(
  ep: RelayEndpoint,
  path: string,
  init: RequestInit & { headers?: Record<string, string> },
  options: { timeoutMs?: number; expect?: readonly number[] } = {},
): Promise<Response> {
  const headers = { ...init.headers, authorization: `Bearer ${await ep.token()}` };
  const signals: AbortSignal[] = [];
  if (init.signal) signals.push(init.signal);
  if (options.timeoutMs !== undefined) signals.push(AbortSignal.timeout(options.timeoutMs));
  const signal = signals.length === 0 ? undefined : AbortSignal.any(signals);
  let res: Response;
  try {
    res = await (ep.fetch ?? fetch)(`${ep.url}${path}`, { ...init, headers, ...(signal ? { signal } : {}) });
  } catch (cause) {
    if (init.signal?.aborted)
      throw new HypersendError('cancelled', `relay ${init.method} cancelled`, { cause });
    // A browser reports a CORS refusal exactly like a network failure (a bare TypeError), so the
    // message names both: an operator seeing it from a web page checks RELAY_ALLOWED_ORIGINS.
    throw new HypersendError(
      'relay_unavailable',
      `relay unreachable (${init.method} ${path.split('/').slice(0, 3).join('/')}): network error, or in a browser the relay does not allow this page's origin (RELAY_ALLOWED_ORIGINS)`,
      { cause },
    );
  }
  const expect = options.expect ?? [200, 201, 204, 206];
  if (expect.includes(res.status)) return res;
  const text = await res.text().catch(() => '');
  let serverCode = '';
  try {
    serverCode = String((JSON.parse(text) as { error?: { code?: unknown } }).error?.code ?? '');
  } catch {
    // tus answers some errors as plain text; the status is enough then.
  }
  const details = { status: res.status, ...(serverCode ? { serverCode } : {}) };
  const what = `relay ${init.method} ${path.split('/').slice(0, 3).join('/')}: HTTP ${res.status}`;
  if (res.status >= 500 || res.status === 429)
    throw new HypersendError('relay_unavailable', `${what} ${serverCode}`.trim(), { details });
  if (res.status === 404) throw new HypersendError('not_found', what, { details });
  if (res.status === 409) throw new HypersendError('conflict', `${what} (offset mismatch)`, { details });
  throw new HypersendError('relay_refused', `${what} ${serverCode}`.trim(), { details });
}

/** Sleep `ms`, unref'd, or until `signal` aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    (t as { unref?: () => void }).unref?.();
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}
