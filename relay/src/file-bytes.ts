import { createWriteStream } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import type http from 'node:http';
import { join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileStore } from '@tus/file-store';
import { ERRORS, type Upload } from '@tus/utils';
import type { ByteStore } from './byte-store.ts';

/**
 * `@tus/file-store` with durable writes. The stock store pipes the body into a WriteStream and
 * returns the new offset without `fsync`, so a PATCH can be acknowledged (and an upload reported
 * complete) while its bytes are only in the page cache; a power loss would then lose data the
 * client was told was stored. Here every PATCH ends with `fsync` before the offset is returned —
 * also when the client disconnects midway, so the part that did arrive is durable before the
 * next HEAD reports it. HEAD reports the file's size on disk (tus' `getUpload`), which after a
 * process crash is exactly what the kernel accepted from us, never more than was sent.
 */
export class DurableFileStore extends FileStore {
  /** Create the empty file, then fsync it and the directory so the new name survives a power loss. */
  override async create(file: Upload): Promise<Upload> {
    const created = await super.create(file);
    for (const path of [join(this.directory, file.id), this.directory]) {
      const handle = await open(path, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    return created;
  }

  override async write(
    readable: http.IncomingMessage | Readable,
    fileId: string,
    offset: number,
  ): Promise<number> {
    const path = join(this.directory, fileId);
    let received = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        callback(null, chunk);
      },
    });
    let failed = false;
    try {
      await pipeline(readable, counter, createWriteStream(path, { flags: 'r+', start: offset }));
    } catch {
      failed = true;
    }
    // fsync flushes the file's dirty pages whichever descriptor wrote them (the write stream has
    // closed its own by now).
    const handle = await open(path, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (failed) throw ERRORS.FILE_WRITE_ERROR;
    return offset + received;
  }
}

/**
 * Bytes on the local disk, one file per object named by its id (plus tus' `<id>.json`, which
 * holds no metadata: the relay strips it at creation and keeps its own in the relay store).
 *
 * @example
 * const bytes = await createFileBytes({ directory: join(dataDir, 'objects'), incompleteTtlMs });
 */
export async function createFileBytes(options: {
  directory: string;
  incompleteTtlMs: number;
}): Promise<ByteStore> {
  await mkdir(options.directory, { recursive: true, mode: 0o700 });
  const datastore = new DurableFileStore({
    directory: options.directory,
    expirationPeriodInMilliseconds: options.incompleteTtlMs,
  });
  const pathOf = (id: string) => join(options.directory, id);
  return {
    kind: 'file',
    datastore,
    async readRange(id, start, end) {
      // Open first so a vanished file becomes a rejected promise, not a stream error mid-response.
      const handle = await open(pathOf(id), 'r');
      return handle.createReadStream({ start, end, highWaterMark: 256 * 1024 });
    },
    async durableOffset(id) {
      try {
        return (await stat(pathOf(id))).size;
      } catch {
        return undefined;
      }
    },
    async remove(id) {
      await rm(pathOf(id), { force: true });
      await rm(`${pathOf(id)}.json`, { force: true });
    },
  };
}
