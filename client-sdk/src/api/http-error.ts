import { ErrorCode } from '@hypersend/protocol';
import { HypersendError, type HypersendErrorCode } from '../errors.ts';

const PROTOCOL_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/**
 * The SDK error for a server-reported failure (a non-2xx HTTP answer or a WebSocket `error`
 * frame). The server's stable code is kept when it is a protocol code, so apps switch on
 * `err.code` whichever side raised it; an unknown code becomes `bad_response` with the raw code
 * in `details.serverCode`. The HTTP status (0 for WebSocket frames) is `details.status`.
 *
 * @example
 * const err = serverError(409, 'conflict', 'username taken');
 * err.code; // 'conflict'
 * err.details?.status; // 409
 */
export function serverError(
  status: number,
  code: string,
  message: string,
  extra: Readonly<Record<string, string | number | boolean>> = {},
): HypersendError {
  const known = PROTOCOL_CODES.has(code);
  return new HypersendError(known ? (code as HypersendErrorCode) : 'bad_response', message, {
    details: { status, ...(known ? {} : { serverCode: code }), ...extra },
  });
}

/**
 * The HTTP status a {@link HypersendError} came with, or undefined for errors raised locally.
 *
 * @example
 * if (statusOf(err) === 401) await session.refresh();
 */
export function statusOf(err: unknown): number | undefined {
  if (!HypersendError.is(err)) return undefined;
  const status = err.details?.status;
  return typeof status === 'number' ? status : undefined;
}
