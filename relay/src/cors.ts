// CORS for browser clients (the web app's tus uploads and ranged downloads). Only the configured
// origins (RELAY_ALLOWED_ORIGINS, else HYPERSEND_ALLOWED_ORIGINS — the same list signaling uses)
// get a grant; any other Origin gets an answer without Access-Control-Allow-* headers, so the
// browser keeps the response from the page. Non-browser clients send no Origin and are unaffected.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Request headers a browser may send: bearer token, Range, and every tus 1.0 header the SDK uses. */
export const CORS_ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'Range',
  'Tus-Resumable',
  'Upload-Offset',
  'Upload-Length',
  'Upload-Metadata',
  'Upload-Defer-Length',
  'Upload-Concat',
  'X-HTTP-Method-Override',
  'X-Requested-With',
] as const;

/** Response headers page scripts may read (tus offsets and locations, range answers, auth hints). */
export const CORS_EXPOSED_HEADERS = [
  'Location',
  'Upload-Offset',
  'Upload-Length',
  'Upload-Metadata',
  'Upload-Expires',
  'Upload-Defer-Length',
  'Tus-Resumable',
  'Tus-Version',
  'Tus-Extension',
  'Tus-Max-Size',
  'Content-Range',
  'Accept-Ranges',
  'Content-Length',
  'WWW-Authenticate',
] as const;

/** Methods of the relay's routes (tus: POST, HEAD, PATCH, DELETE; objects: GET, HEAD, POST). */
export const CORS_ALLOWED_METHODS = 'GET, HEAD, POST, PATCH, DELETE, OPTIONS';

/** How long a browser may cache a preflight answer, seconds. */
const PREFLIGHT_MAX_AGE = 600;

/** The relay's CORS policy for one set of allowed origins. */
export interface RelayCors {
  /** True when `origin` (an Origin header value) is one of the configured origins. */
  allows(origin: string | undefined): boolean;
  /**
   * Add the grant for an allowed Origin to `res` (before anything is written). Every answer
   * carries `Vary: Origin`, so a shared cache never hands one origin's grant to another.
   */
  apply(req: IncomingMessage, res: ServerResponse): void;
  /**
   * Answer a preflight (`OPTIONS`): 204 with methods, headers and max-age for an allowed origin;
   * a bare 204 (no grant) for any other, which the browser treats as a refusal.
   */
  preflight(req: IncomingMessage, res: ServerResponse): void;
}

/**
 * @example
 * const cors = createRelayCors(['https://app.example.com']);
 * if (req.method === 'OPTIONS') return cors.preflight(req, res);
 * cors.apply(req, res); // then answer as usual
 */
export function createRelayCors(allowedOrigins: readonly string[]): RelayCors {
  const allowed = new Set(allowedOrigins);
  const allows = (origin: string | undefined) => origin !== undefined && allowed.has(origin);
  const apply = (req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('Vary', 'Origin');
    const origin = req.headers.origin;
    if (!allows(origin)) return;
    res.setHeader('Access-Control-Allow-Origin', origin as string);
    res.setHeader('Access-Control-Expose-Headers', CORS_EXPOSED_HEADERS.join(', '));
  };
  return {
    allows,
    apply,
    preflight(req, res) {
      apply(req, res);
      if (allows(req.headers.origin)) {
        res.setHeader('Access-Control-Allow-Methods', CORS_ALLOWED_METHODS);
        res.setHeader('Access-Control-Allow-Headers', CORS_ALLOWED_HEADERS.join(', '));
        res.setHeader('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE));
      }
      res.writeHead(204).end();
    },
  };
}
