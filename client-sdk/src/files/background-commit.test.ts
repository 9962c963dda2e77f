// TransferSink commits in the background: a commit's fsyncs run beside the writes queued after
// it, yet the record (and so what a receiver may acknowledge) never covers more than was durable
// at the commit's snapshot, and records land in snapshot order.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enumerateFiles } from './enumerate-files.ts';
import { FileChunkSource } from './file-source.ts';
import { readProgressRecord } from './progress-record.ts';
import { blake2b512, offerFor, tempDir } from './test-support.ts';
import { TransferSink } from './transfer-sink.ts';

const CHUNK = 64 * 1024;
let src: string;
let dst: string;
let cleanups: Array<() => Promise<void>> = [];

beforeEach(async () => {
  const a = await tempDir();
  const b = await tempDir();
  src = a.dir;
  dst = b.dir;
  cleanups = [a.cleanup, b.cleanup];
});
afterEach(async () => {
  for (const c of cleanups) await c();
});

async function prepare(input: string) {
  const { files } = await enumerateFiles(input);
  const offer = await offerFor(files, CHUNK);
  const open = () =>
    TransferSink.open({
      transferId: 't_bg',
      manifestDigest: 'm',
      senderDevice: 'd',
      chunkSize: CHUNK,
      hasher: blake2b512,
      rootDir: dst,
      files: offer,
    });
  return { source: new FileChunkSource(files, CHUNK), open };
}

const staging = (): string => join(dst, '.hypersend', 't_bg');

describe('TransferSink background commit', () => {
  it('does not hold up writes queued after it, and records only its snapshot', async () => {
    const data = randomBytes(CHUNK * 10 + 5);
    await writeFile(join(src, 'f.bin'), data);
    const { source, open } = await prepare(join(src, 'f.bin'));
    const sink = await open();
    for (let i = 0; i < 4; i++) await sink.write(i, await source.readChunk(i));
    const next4 = await source.readChunk(4);

    const order: string[] = [];
    const commit = sink.commitThrough(3).then((n) => {
      order.push('commit');
      return n;
    });
    await sink.write(4, next4);
    order.push('write 4');
    // Without background commits the write waits in line behind the commit's three fsyncs.
    expect(order[0]).toBe('write 4');
    expect(await commit).toBe(4); // chunk 4 came after the snapshot: not acknowledged by it
    expect((await readProgressRecord(staging()))?.nextChunk).toBe(4);

    // "Crash" (the sink is dropped): a new receiver resumes exactly where the commit said.
    const again = await open();
    expect(again.nextChunk).toBe(4);
    for (let i = 4; i < source.chunkCount; i++) await again.write(i, await source.readChunk(i));
    await again.finish();
    expect(Buffer.compare(await readFile(join(dst, 'f.bin')), data)).toBe(0);
    await source.close();
  });

  it('a commit still landing when a file completes never rolls the record back', async () => {
    const root = join(src, 'tree');
    await mkdir(root);
    for (const n of ['a', 'b']) await writeFile(join(root, n), randomBytes(CHUNK * 2 + 1));
    const { source, open } = await prepare(root);
    const sink = await open();
    await sink.write(0, await source.readChunk(0));
    await sink.write(1, await source.readChunk(1));
    // Snapshot with file a two chunks in, then a's last chunk: verify, install, records.
    const commit = sink.commitThrough(1);
    await sink.write(2, await source.readChunk(2));
    expect(await commit).toBe(2);
    await sink.commitThrough(2);
    // The stale snapshot (a half-written `.part` that is gone now) must not be the record.
    const record = await readProgressRecord(staging());
    expect(record?.nextChunk).toBe(3);
    expect(record?.installing).toBeUndefined();
    expect(await readdir(join(dst, 'tree'))).toEqual(['a']);

    const again = await open();
    expect(again.nextChunk).toBe(3);
    for (let i = 3; i < source.chunkCount; i++) await again.write(i, await source.readChunk(i));
    await again.finish();
    expect((await readdir(join(dst, 'tree'))).sort()).toEqual(['a', 'b']);
    await source.close();
  });

  it('close() and abort() wait for a running commit (nothing re-created after abort)', async () => {
    await writeFile(join(src, 'f.bin'), randomBytes(CHUNK * 6));
    const { source, open } = await prepare(join(src, 'f.bin'));
    const sink = await open();
    for (let i = 0; i < 3; i++) await sink.write(i, await source.readChunk(i));
    const commit = sink.commitThrough(2).catch((e: unknown) => e);
    await sink.write(3, await source.readChunk(3)); // the snapshot is taken: its fsyncs are running
    await sink.abort();
    await commit;
    expect(await readdir(dst)).toEqual([]);
    await source.close();
  });
});
