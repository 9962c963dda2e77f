import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enumerateFiles } from './enumerate-files.ts';
import { FileError } from './file-error.ts';
import { FileChunkSource } from './file-source.ts';
import { readProgressRecord } from './progress-record.ts';
import { blake2b512, fileSha256, offerFor, tempDir } from './test-support.ts';
import { type IncomingFile, TransferSink } from './transfer-sink.ts';

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

const base = {
  transferId: 't_1',
  manifestDigest: 'm1',
  senderDevice: 'd1',
  chunkSize: CHUNK,
  hasher: blake2b512,
};

async function offerOf(input: string | string[]) {
  const { files } = await enumerateFiles(input);
  return { files, offer: await offerFor(files, CHUNK) };
}

/** Sends chunks [from, to) of the source into the sink, committing every `window` chunks. */
async function pump(source: FileChunkSource, sink: TransferSink, from: number, to: number, window = 4) {
  for (let i = from; i < to; i++) {
    await sink.write(i, await source.readChunk(i));
    if ((i + 1) % window === 0) await sink.commitThrough(i);
  }
}

async function sendAll(
  input: string | string[],
  extra: Partial<Parameters<typeof TransferSink.open>[0]> = {},
) {
  const { files, offer } = await offerOf(input);
  const source = new FileChunkSource(files, CHUNK);
  const sink = await TransferSink.open({ ...base, rootDir: dst, files: offer, ...extra });
  await pump(source, sink, sink.nextChunk, source.chunkCount);
  await sink.finish();
  await source.close();
  return files;
}

describe('TransferSink', () => {
  it.each([0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 7])('round-trips %i bytes', async (size) => {
    const data = randomBytes(size);
    await writeFile(join(src, 'f.bin'), data);
    await sendAll(join(src, 'f.bin'));
    expect(Buffer.compare(await readFile(join(dst, 'f.bin')), data)).toBe(0);
    // Staging is gone once the transfer is complete.
    expect(await readdir(dst)).toEqual(['f.bin']);
  });

  it('round-trips a folder tree (empty files, nesting, mode bits)', async () => {
    const root = join(src, 'tree');
    await mkdir(join(root, 'a', 'b'), { recursive: true });
    await writeFile(join(root, 'empty'), '');
    await writeFile(join(root, 'a', 'x.txt'), randomBytes(CHUNK * 2 + 3));
    await writeFile(join(root, 'a', 'b', 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    const files = await sendAll(root);
    expect(files.map((f) => f.path)).toEqual(['tree/a/b/run.sh', 'tree/a/x.txt', 'tree/empty']);
    for (const f of files) expect(await fileSha256(join(dst, f.path))).toBe(await fileSha256(f.absolutePath));
    expect((await lstat(join(dst, 'tree/a/b/run.sh'))).mode & 0o777).toBe(0o755);
    expect((await lstat(join(dst, 'tree/a/x.txt'))).mode & 0o777).toBe(0o644);
  });

  it('refuses to overwrite and leaves the existing file byte-identical', async () => {
    await writeFile(join(src, 'f.bin'), randomBytes(1000));
    await writeFile(join(dst, 'f.bin'), 'precious');
    const before = await fileSha256(join(dst, 'f.bin'));
    await expect(sendAll(join(src, 'f.bin'))).rejects.toMatchObject({ code: 'file_exists' });
    expect(await fileSha256(join(dst, 'f.bin'))).toBe(before);
    expect(await readdir(dst)).toEqual(['f.bin']);
  });

  it('refuses a file that appears under the final name during the transfer (link, not rename)', async () => {
    const data = randomBytes(CHUNK * 2);
    await writeFile(join(src, 'f.bin'), data);
    const { files, offer } = await offerOf(join(src, 'f.bin'));
    const source = new FileChunkSource(files, CHUNK);
    const sink = await TransferSink.open({ ...base, rootDir: dst, files: offer });
    await sink.write(0, await source.readChunk(0));
    await writeFile(join(dst, 'f.bin'), 'raced in');
    const before = await fileSha256(join(dst, 'f.bin'));
    await expect(sink.write(1, await source.readChunk(1))).rejects.toMatchObject({ code: 'file_exists' });
    expect(await fileSha256(join(dst, 'f.bin'))).toBe(before);
    expect(await readdir(dst)).toEqual(['f.bin']);
    await source.close();
  });

  it('overwrites when allowed', async () => {
    const data = randomBytes(5000);
    await writeFile(join(src, 'f.bin'), data);
    await writeFile(join(dst, 'f.bin'), 'old');
    await sendAll(join(src, 'f.bin'), { overwrite: true });
    expect(Buffer.compare(await readFile(join(dst, 'f.bin')), data)).toBe(0);
  });

  it('replaces a symlink at the final name without writing through it', async () => {
    const outside = await tempDir();
    cleanups.push(outside.cleanup);
    await writeFile(join(outside.dir, 'target'), 'outside');
    await symlink(join(outside.dir, 'target'), join(dst, 'f.bin'));
    await writeFile(join(src, 'f.bin'), 'new');
    await expect(sendAll(join(src, 'f.bin'))).rejects.toMatchObject({ code: 'file_exists' });
    await sendAll(join(src, 'f.bin'), { overwrite: true });
    expect(await readFile(join(outside.dir, 'target'), 'utf8')).toBe('outside');
    expect(await readFile(join(dst, 'f.bin'), 'utf8')).toBe('new');
  });

  it('refuses a path through a symlink that points outside the root', async () => {
    const outside = await tempDir();
    cleanups.push(outside.cleanup);
    await symlink(outside.dir, join(dst, 'evil'));
    const offer: IncomingFile[] = [{ path: 'evil/x', size: 0, digest: new Uint8Array(64) }];
    await expect(TransferSink.open({ ...base, rootDir: dst, files: offer })).rejects.toMatchObject({
      code: 'path_escape',
    });
    expect(await readdir(outside.dir)).toEqual([]);
  });

  it('refuses unsafe and duplicate manifests before writing anything', async () => {
    const d = new Uint8Array(64);
    for (const [files, code] of [
      [[{ path: '../x', size: 1, digest: d }], 'unsafe_path'],
      [[{ path: '.hypersend/t_1/progress.json', size: 1, digest: d }], 'unsafe_path'],
      [
        [
          { path: 'A.txt', size: 1, digest: d },
          { path: 'a.txt', size: 1, digest: d },
        ],
        'bad_manifest',
      ],
      [
        [
          { path: 'a', size: 1, digest: d },
          { path: 'a/b', size: 1, digest: d },
        ],
        'bad_manifest',
      ],
    ] as const) {
      await expect(TransferSink.open({ ...base, rootDir: dst, files })).rejects.toMatchObject({ code });
    }
    await expect(
      TransferSink.open({ ...base, transferId: '../x', rootDir: dst, files: [] }),
    ).rejects.toBeInstanceOf(FileError);
    expect(await readdir(dst)).toEqual([]);
  });

  it('never shows partial data under the final name; abort removes everything', async () => {
    await writeFile(join(src, 'f.bin'), randomBytes(CHUNK * 4));
    const { files, offer } = await offerOf(join(src, 'f.bin'));
    const source = new FileChunkSource(files, CHUNK);
    const sink = await TransferSink.open({ ...base, rootDir: dst, files: offer });
    await pump(source, sink, 0, 3);
    expect(await readdir(dst)).toEqual(['.hypersend']);
    expect((await lstat(join(dst, '.hypersend', 't_1', '0.part'))).mode & 0o777).toBe(0o600);
    await sink.abort();
    expect(await readdir(dst)).toEqual([]);
    await source.close();
  });

  it('detects tampering: no output file, no .part, no record', async () => {
    await writeFile(join(src, 'f.bin'), randomBytes(CHUNK * 2));
    const { files, offer } = await offerOf(join(src, 'f.bin'));
    const source = new FileChunkSource(files, CHUNK);
    const sink = await TransferSink.open({ ...base, rootDir: dst, files: offer });
    await sink.write(0, await source.readChunk(0));
    const evil = await source.readChunk(1);
    evil[0] = (evil[0] ?? 0) ^ 1;
    await expect(sink.write(1, evil)).rejects.toMatchObject({ code: 'hash_mismatch' });
    expect(await readdir(dst)).toEqual([]);
    await source.close();
  });

  it('resumes after a receiver crash from the durable record, ignoring a resent window', async () => {
    const data = randomBytes(CHUNK * 10 + 5);
    await writeFile(join(src, 'f.bin'), data);
    const { files, offer } = await offerOf(join(src, 'f.bin'));
    const source = new FileChunkSource(files, CHUNK);

    const first = await TransferSink.open({ ...base, rootDir: dst, files: offer });
    await pump(source, first, 0, 6, 4); // committed through chunk 3; chunks 4-5 written, not committed
    // "Crash": the sink is dropped without finish/abort.
    const record = await readProgressRecord(join(dst, '.hypersend', 't_1'));
    expect(record?.nextChunk).toBe(4);

    const second = await TransferSink.open({ ...base, rootDir: dst, files: offer });
    expect(second.nextChunk).toBe(4);
    // The sender resends from its last acknowledged chunk (2 here): at most a window twice, harmless.
    await pump(source, second, 2, source.chunkCount);
    await second.finish();
    expect(Buffer.compare(await readFile(join(dst, 'f.bin')), data)).toBe(0);
    await source.close();
  });

  it('resumes a folder transfer mid-way with a restarted sender (fresh source)', async () => {
    const root = join(src, 'tree');
    await mkdir(root);
    for (const n of ['a', 'b', 'c']) await writeFile(join(root, n), randomBytes(CHUNK * 2 + 1));
    const { files, offer } = await offerOf(root);
    let source = new FileChunkSource(files, CHUNK);
    const first = await TransferSink.open({ ...base, rootDir: dst, files: offer });
    await pump(source, first, 0, 5, 1); // file a installed, file b has 2 of 3 chunks
    await source.close();
    expect(await readdir(join(dst, 'tree'))).toEqual(['a']);

    source = new FileChunkSource((await enumerateFiles(root)).files, CHUNK);
    const second = await TransferSink.open({ ...base, rootDir: dst, files: offer });
    expect(second.nextChunk).toBe(5);
    await pump(source, second, second.nextChunk, source.chunkCount);
    await second.finish();
    for (const f of files) expect(await fileSha256(join(dst, f.path))).toBe(await fileSha256(f.absolutePath));
    await source.close();
  });

  it('discards a record that belongs to a different offer', async () => {
    await writeFile(join(src, 'f.bin'), randomBytes(CHUNK * 3));
    const { files, offer } = await offerOf(join(src, 'f.bin'));
    const source = new FileChunkSource(files, CHUNK);
    const first = await TransferSink.open({ ...base, rootDir: dst, files: offer });
    await pump(source, first, 0, 2, 1);
    const other = await TransferSink.open({ ...base, manifestDigest: 'm2', rootDir: dst, files: offer });
    expect(other.nextChunk).toBe(0);
    await pump(source, other, 0, source.chunkCount);
    await other.finish();
    expect(await fileSha256(join(dst, 'f.bin'))).toBe(await fileSha256(join(src, 'f.bin')));
    await source.close();
  });

  it('rejects out-of-order and wrong-length chunks without losing state', async () => {
    await writeFile(join(src, 'f.bin'), randomBytes(CHUNK * 2));
    const { files, offer } = await offerOf(join(src, 'f.bin'));
    const source = new FileChunkSource(files, CHUNK);
    const sink = await TransferSink.open({ ...base, rootDir: dst, files: offer });
    await expect(sink.write(1, await source.readChunk(1))).rejects.toMatchObject({ code: 'out_of_order' });
    await expect(sink.write(0, new Uint8Array(10))).rejects.toMatchObject({ code: 'bad_chunk' });
    await pump(source, sink, 0, 2);
    await sink.finish();
    expect(await fileSha256(join(dst, 'f.bin'))).toBe(await fileSha256(join(src, 'f.bin')));
    await source.close();
  });
});

/** Open file descriptors of this process that point into `dir` (Linux /proc). */
async function openFdsUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (target.startsWith(dir)) out.push(target);
  }
  return out;
}

describe('TransferSink file handles', () => {
  it('close() releases the open .part but keeps it and the record for a resume', async () => {
    await writeFile(join(src, 'big.bin'), randomBytes(10 * CHUNK + 5));
    const { files, offer } = await offerOf(join(src, 'big.bin'));
    const source = new FileChunkSource(files, CHUNK);
    const sink = await TransferSink.open({ ...base, rootDir: dst, files: offer });
    await pump(source, sink, 0, 6);
    expect((await openFdsUnder(dst)).length).toBe(1); // the .part being written
    await sink.close();
    expect(await openFdsUnder(dst)).toEqual([]);
    await expect(sink.write(6, await source.readChunk(6))).rejects.toMatchObject({ code: 'closed' });

    // Everything committed survives: a new sink resumes where the record says.
    const again = await TransferSink.open({ ...base, rootDir: dst, files: offer });
    expect(again.nextChunk).toBe(4); // committed every 4 chunks
    await pump(source, again, again.nextChunk, source.chunkCount);
    await again.finish();
    await source.close();
    expect(await fileSha256(join(dst, 'big.bin'))).toBe(await fileSha256(join(src, 'big.bin')));
    expect(await openFdsUnder(dst)).toEqual([]);
  });

  it('abort() and finish() leave no open handle either', async () => {
    await writeFile(join(src, 'a.bin'), randomBytes(3 * CHUNK));
    const { files, offer } = await offerOf(join(src, 'a.bin'));
    const source = new FileChunkSource(files, CHUNK);
    const sink = await TransferSink.open({ ...base, rootDir: dst, files: offer });
    await pump(source, sink, 0, 2);
    await sink.abort();
    expect(await openFdsUnder(dst)).toEqual([]);
    await source.close();
  });
});
