import { Readable } from 'node:stream';
import { S3Store } from '@tus/s3-store';
import type { ByteStore } from './byte-store.ts';
import type { S3Settings } from './config.ts';

/** `S3Store` plus a ranged GET, which the stock store lacks (it only reads whole objects). */
class RangeS3Store extends S3Store {
  async getRange(id: string, start: number, end: number): Promise<Readable> {
    const res = await this.client.getObject({ Bucket: this.bucket, Key: id, Range: `bytes=${start}-${end}` });
    // In Node the SDK's body is always an http.IncomingMessage (a Readable).
    if (!(res.Body instanceof Readable)) throw new Error('S3 returned no readable body');
    return res.Body;
  }

  async exists(id: string): Promise<number | undefined> {
    try {
      const upload = await this.getUpload(id);
      return upload.offset;
    } catch {
      return undefined;
    }
  }
}

/**
 * Bytes in an S3-compatible bucket through `@tus/s3-store` (multipart uploads; a part is stored
 * by S3 before tus counts it in the offset, so the offset is durable by construction).
 *
 * @example
 * const bytes = createS3Bytes(config.s3, { incompleteTtlMs });
 */
export function createS3Bytes(settings: S3Settings, options: { incompleteTtlMs: number }): ByteStore {
  const datastore = new RangeS3Store({
    expirationPeriodInMilliseconds: options.incompleteTtlMs,
    s3ClientConfig: {
      bucket: settings.bucket,
      region: settings.region,
      ...(settings.endpoint ? { endpoint: settings.endpoint, forcePathStyle: true } : {}),
      ...(settings.credentials ? { credentials: settings.credentials } : {}),
    },
  });
  return {
    kind: 's3',
    datastore,
    readRange: (id, start, end) => datastore.getRange(id, start, end),
    durableOffset: (id) => datastore.exists(id),
    async remove(id) {
      await datastore.remove(id).catch(() => undefined);
    },
  };
}
