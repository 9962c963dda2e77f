// Browser: one file-system writable fed in ~1 MiB batches. Each `write` on a
// FileSystemWritableFileStream is a round trip to the browser process, so chunk-sized writes
// would put that cost on every chunk; the batch keeps it off the per-chunk path while page
// memory stays bounded by the batch. Used by received files and by resumable segments.

/** Bytes collected before one `write` to the browser. */
export const WRITE_BATCH_BYTES = 1 << 20;

/** Received data lives under `<name>.hypersend-part` until it is moved into place. */
export const PART_SUFFIX = '.hypersend-part';

/** A writable fed in batches; nothing is durable until `close` resolves. */
export interface BatchedWriter {
  write(bytes: Uint8Array): Promise<void>;
  /** Flush the batch and close the stream. */
  close(): Promise<void>;
  /** Drop what was written (once; a closed writer is left alone). */
  abort(): Promise<void>;
}

/**
 * @example
 * const w = batchedWriter(await handle.createWritable({ keepExistingData: false }));
 * for (const chunk of chunks) await w.write(chunk);
 * await w.close();
 */
export function batchedWriter(stream: FileSystemWritableFileStream): BatchedWriter {
  const batch = new Uint8Array(WRITE_BATCH_BYTES);
  let batched = 0;
  let open = true;
  const flush = async (): Promise<void> => {
    if (batched === 0) return;
    const bytes = batch.slice(0, batched);
    batched = 0;
    await stream.write(bytes);
  };
  return {
    write: async (bytes) => {
      if (batched + bytes.length > batch.length) await flush();
      if (bytes.length >= batch.length) await stream.write(bytes.slice() as Uint8Array<ArrayBuffer>);
      else {
        batch.set(bytes, batched);
        batched += bytes.length;
      }
    },
    close: async () => {
      open = false;
      await flush();
      await stream.close();
    },
    abort: async () => {
      if (open) await stream.abort().catch(() => undefined);
      open = false;
    },
  };
}
