import type { ServerResponse } from 'node:http';

/** Stable error codes of the relay's JSON answers; clients switch on these. */
export type RelayErrorCode =
  | 'unauthorized'
  | 'not_found'
  | 'bad_metadata'
  | 'length_required'
  | 'object_too_large'
  | 'quota_exceeded'
  | 'recipient_pending_limit'
  | 'not_ready'
  | 'unavailable'
  | 'internal';

/** Answer `{ error: { code, message } }`, the same shape signaling uses. */
export function sendError(
  res: ServerResponse,
  status: number,
  code: RelayErrorCode,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: { code, message } }, headers);
}

/** Answer a JSON body. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/**
 * The one "not found" answer. Missing, forbidden, expired and not-yet-complete objects all get
 * exactly these bytes and headers, so a stranger learns nothing about which ids exist.
 */
export function sendNotFound(res: ServerResponse, tus: boolean): void {
  sendError(res, 404, 'not_found', 'no such object', tus ? { 'tus-resumable': '1.0.0' } : {});
}
