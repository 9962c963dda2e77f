import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import type { z } from 'zod';
import { HttpError } from './errors.ts';

/** Largest JSON body any route accepts. Every API body is a few hundred bytes. */
export const MAX_JSON_BODY_BYTES = 16 * 1024;

/**
 * Start reading the body of `res`. Must be called synchronously inside the uWS handler (uWS
 * delivers data only to handlers attached before the handler returns). Rejects with 415 for a
 * wrong Content-Type and with 413 as soon as the declared or streamed size passes `limit`.
 * If the request is aborted the promise never settles: the caller's abort flag covers it.
 *
 * @example
 * const body = readBody(res, req, MAX_JSON_BODY_BYTES); ... const bytes = await body;
 */
export function readBody(res: HttpResponse, req: HttpRequest, limit: number): Promise<Buffer> {
  const type = req.getHeader('content-type').split(';')[0]?.trim().toLowerCase();
  const declared = req.getHeader('content-length');
  return new Promise((resolve, reject) => {
    if (type !== 'application/json') {
      reject(HttpError.unsupportedMediaType());
      return;
    }
    if (declared && Number(declared) > limit) {
      reject(HttpError.payloadTooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    res.onData((chunk, isLast) => {
      if (done) return;
      size += chunk.byteLength;
      if (size > limit) {
        done = true;
        reject(HttpError.payloadTooLarge(limit));
        return;
      }
      // uWS neuters the ArrayBuffer when this callback returns: copy.
      chunks.push(Buffer.from(new Uint8Array(chunk).slice()));
      if (isLast) {
        done = true;
        resolve(Buffer.concat(chunks));
      }
    });
  });
}

/**
 * Parse JSON bytes with a protocol schema. Malformed JSON and schema violations become 400 with the
 * offending field named (`username: expected string, received object`).
 *
 * @example
 * const login = parseJson(bytes, LoginRequest);
 */
export function parseJson<T>(bytes: Buffer, schema: z.ZodType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw HttpError.badRequest('body is not valid JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'body';
    throw HttpError.badRequest(`${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
