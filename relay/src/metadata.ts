import { Metadata } from '@tus/utils';
import { z } from 'zod';

const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected an id');

/**
 * The only tus `Upload-Metadata` the relay accepts: who the object is for and where it sits in
 * the transfer. Strict: any other key — a `filename`, a `filetype` — is refused, so nothing that
 * describes the plaintext ever reaches the relay's disk or database.
 */
export const UploadMetadata = z.strictObject({
  recipient: Id,
  transferId: Id,
  firstChunk: z
    .string()
    .regex(/^(0|[1-9]\d{0,14})$/, 'expected a chunk index')
    .transform(Number),
});
export type UploadMetadata = z.infer<typeof UploadMetadata>;

/**
 * Parse and validate an `Upload-Metadata` header; undefined when missing or invalid.
 *
 * @example
 * parseUploadMetadata(`recipient ${b64('u_1')},transferId ${b64('t_1')},firstChunk ${b64('0')}`);
 */
export function parseUploadMetadata(header: string | undefined): UploadMetadata | undefined {
  if (!header) return undefined;
  let raw: Record<string, string | null>;
  try {
    raw = Metadata.parse(header);
  } catch {
    return undefined;
  }
  const parsed = UploadMetadata.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}
