import { ErrorCode, type HttpErrorBody } from '@hypersend/protocol';

/**
 * The one error class of the signaling server. `code` is stable (clients switch on it), `status`
 * is the HTTP status it maps to, `headers` are added to the answer (Retry-After, WWW-Authenticate),
 * and `reason` is an internal label for logs and metrics that is never sent to the client.
 *
 * @example
 * throw HttpError.badRequest('username: expected a string');
 * if (err instanceof HttpError && err.code === 'unauthorized') ...
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
    readonly reason?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HttpError';
  }

  /** The JSON body sent to the client. */
  toBody(): HttpErrorBody {
    return { error: { code: this.code, message: this.message } };
  }

  static badRequest(message: string): HttpError {
    return new HttpError(400, ErrorCode.badRequest, message);
  }

  /** `reason` goes to metrics (`hypersend_auth_failures_total{reason}`), never to the client. */
  static unauthorized(
    reason: string,
    message = 'invalid or missing credentials',
    cause?: unknown,
  ): HttpError {
    // RFC 6750 §3: a request with a token gets error="invalid_token"; one without gets only the realm.
    const challenge =
      reason === 'missing_token'
        ? 'Bearer realm="hypersend"'
        : 'Bearer realm="hypersend", error="invalid_token"';
    return new HttpError(401, ErrorCode.unauthorized, message, { 'WWW-Authenticate': challenge }, reason, {
      cause,
    });
  }

  static forbidden(message = 'forbidden'): HttpError {
    return new HttpError(403, ErrorCode.forbidden, message);
  }

  static notFound(message = 'not found'): HttpError {
    return new HttpError(404, ErrorCode.notFound, message);
  }

  static methodNotAllowed(allow: readonly string[]): HttpError {
    return new HttpError(405, ErrorCode.methodNotAllowed, `method not allowed; use ${allow.join(', ')}`);
  }

  static conflict(message: string): HttpError {
    return new HttpError(409, ErrorCode.conflict, message);
  }

  static payloadTooLarge(limitBytes: number): HttpError {
    return new HttpError(413, ErrorCode.payloadTooLarge, `body larger than ${limitBytes} bytes`);
  }

  static unsupportedMediaType(): HttpError {
    return new HttpError(415, ErrorCode.badRequest, 'Content-Type must be application/json');
  }

  static rateLimited(retryAfterSeconds: number, reason: string): HttpError {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    return new HttpError(
      429,
      ErrorCode.rateLimited,
      'too many attempts, try again later',
      { 'Retry-After': String(seconds) },
      reason,
    );
  }

  static unavailable(message = 'service unavailable'): HttpError {
    return new HttpError(503, ErrorCode.unavailable, message);
  }

  static internal(cause?: unknown): HttpError {
    return new HttpError(500, ErrorCode.internal, 'internal error', {}, undefined, { cause });
  }
}
