import type { HttpRequest, HttpResponse } from 'uWebSockets.js';

/** What a route handler may know about a request; copied out of uWS's stack-allocated request. */
export interface RequestInfo {
  method: string;
  /** Path without the query string. */
  path: string;
  params: Record<string, string>;
  /** Lower-cased header names. Only the headers the server uses are copied. */
  headers: { authorization: string; origin: string; userAgent: string };
  ip: string;
}

/**
 * Copy what we need from `req` (valid only during the synchronous handler). The client IP is the
 * socket's, or, only with `trustProxy`, the last X-Forwarded-For entry: the one our own proxy
 * appended. Earlier entries are whatever the client chose to send.
 *
 * @example
 * const info = readRequestInfo(res, req, ['deviceId'], config.trustProxy);
 */
export function readRequestInfo(
  res: HttpResponse,
  req: HttpRequest,
  paramNames: readonly string[],
  trustProxy: boolean,
): RequestInfo {
  const params: Record<string, string> = {};
  paramNames.forEach((name, i) => {
    params[name] = decodeParam(req.getParameter(i));
  });
  let ip = Buffer.from(res.getRemoteAddressAsText()).toString('utf8');
  if (trustProxy) {
    const forwarded = req
      .getHeader('x-forwarded-for')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .at(-1);
    if (forwarded && forwarded.length <= 64) ip = forwarded;
  }
  return {
    method: req.getMethod(),
    path: req.getUrl(),
    params,
    headers: {
      authorization: req.getHeader('authorization'),
      origin: req.getHeader('origin'),
      userAgent: req.getHeader('user-agent'),
    },
    ip: normalizeIp(ip),
  };
}

function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw; // left as is: the route's own validation rejects it
  }
}

/** `::ffff:127.0.0.1` and `127.0.0.1` are one client for rate limiting. */
function normalizeIp(ip: string): string {
  const lower = ip.toLowerCase();
  if (lower.startsWith('::ffff:') && lower.includes('.')) return lower.slice(7);
  if (lower.startsWith('0000:0000:0000:0000:0000:ffff:')) {
    const hex = lower.slice(30).replace(':', '');
    if (/^[0-9a-f]{8}$/.test(hex))
      return [0, 2, 4, 6].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)).join('.');
  }
  return lower;
}
