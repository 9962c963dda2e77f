import { randomBytes } from 'node:crypto';
import { mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileHashChain } from './chunk-hash.ts';
import { layoutChunks, locateChunk } from './chunk-layout.ts';
import { enumerateFiles } from './enumerate-files.ts';
import { FileChunkSource } from './file-source.ts';
import { StreamChunker } from './stream-source.ts';
import { blake2b512, tempDir } from './test-support.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => cleanup());

describe('chunk layout', () => {
  it('gives empty files one chunk and never spans files', () => {
    const l = layoutChunks([0, 65_537, 0, 10], 65_536);
    expect(l.chunkCount).toBe(5);
    expect([0, 1, 2, 3, 4].map((i) => locateChunk(l, i))).toMatchObject([
      { fileIndex: 0, localIndex: 0, length: 0, isLastOfFile: true },
      { fileIndex: 1, localIndex: 0, length: 65_536, isLastOfFile: false },
      { fileIndex: 1, localIndex: 1, offset: 65_536, length: 1, isLastOfFile: true },
      { fileIndex: 2, length: 0 },
      { fileIndex: 3, length: 10 },
    ]);
    expect(() => locateChunk(l, 5)).toThrow(RangeError);
  });
});

describe('enumerateFiles', () => {
  it('lists files in code-point order, skips symlinks and special files unless asked', async () => {
    const root = join(dir, 'root');
    await mkdir(join(root, 'sub'), { recursive: true });
    await writeFile(join(root, 'b.txt'), 'b');
    await writeFile(join(root, 'B.txt'), 'B'); // collides case-insensitively with b.txt
    await writeFile(join(root, 'sub', 'a.txt'), 'aa');
    await writeFile(join(dir, 'outside.txt'), 'o');
    await symlink(join(dir, 'outside.txt'), join(root, 'link.txt'));
    await symlink(root, join(root, 'sub', 'loop'));
    // A Unix socket is a real special file that needs no extra tooling to create.
    const server = createServer();
    await new Promise<void>((ok) => server.listen(join(root, 'sock'), ok));

    const plain = await enumerateFiles(root);
    expect(plain.files.map((f) => f.path)).toEqual(['root/B.txt', 'root/sub/a.txt']);
    expect(plain.skipped.map((s) => s.reason).sort()).toEqual([
      'duplicate_name',
      'special_file',
      'symlink',
      'symlink',
    ]);
    expect(plain.files[1]).toMatchObject({ size: 2, absolutePath: join(root, 'sub', 'a.txt') });

    const followed = await enumerateFiles(root, { followSymlinks: true });
    expect(followed.files.map((f) => f.path)).toContain('root/link.txt');
    expect(followed.skipped.map((s) => s.reason)).toContain('symlink_cycle');
    await new Promise((ok) => server.close(ok));
  });
});

describe('FileChunkSource', () => {
  it('reads any chunk by index into a reused buffer, across files', async () => {
    const a = randomBytes(100);
    const b = randomBytes(250);
    await writeFile(join(dir, 'a'), a);
    await writeFile(join(dir, 'b'), b);
    const { files } = await enumerateFiles([join(dir, 'a'), join(dir, 'b')]);
    const source = new FileChunkSource(files, 64);
    expect(source.chunkCount).toBe(2 + 4);
    const buf = new Uint8Array(64);
    const last = await source.readChunk(5, buf);
    expect(last.buffer).toBe(buf.buffer);
    expect(Buffer.from(last).equals(b.subarray(192))).toBe(true);
    expect(Buffer.from(await source.readChunk(1)).equals(a.subarray(64))).toBe(true);
    const chain = new FileHashChain(blake2b512);
    for (let i = 2; i < 6; i++) chain.push(await source.readChunk(i));
    expect(await source.fileDigest(1, blake2b512)).toEqual(chain.digest());
    await source.close();
  });

  it('fails with source_changed when the file changed since the manifest', async () => {
    await writeFile(join(dir, 'a'), randomBytes(100));
    const { files } = await enumerateFiles(join(dir, 'a'));
    await utimes(join(dir, 'a'), new Date(), new Date(Date.now() + 5000));
    const source = new FileChunkSource(files, 64);
    await expect(source.readChunk(0)).rejects.toMatchObject({ code: 'source_changed' });
    await source.close();
  });
});

describe('StreamChunker', () => {
  const collect = async (c: StreamChunker) => {
    const out = [];
    for await (const x of c.chunks()) out.push(x);
    return out;
  };

  it.each([0, 1, 63, 64, 65, 200])('cuts %i bytes from a Node Readable, final flag once', async (n) => {
    const data = randomBytes(n);
    const pieces = [data.subarray(0, 7), data.subarray(7, 100), data.subarray(100)].filter(
      (p) => p.length > 0,
    );
    const chunker = new StreamChunker(Readable.from(pieces), 64, blake2b512);
    const chunks = await collect(chunker);
    expect(chunks.map((c) => c.final)).toEqual(chunks.map((_, i) => i === chunks.length - 1));
    expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
    expect(Buffer.concat(chunks.map((c) => c.bytes)).equals(data)).toBe(true);
    expect(chunks.length).toBe(Math.max(1, Math.ceil(n / 64)));
    expect(chunker.size).toBe(n);
    // Same digest as the file path would produce.
    await writeFile(join(dir, 'f'), data);
    const source = new FileChunkSource((await enumerateFiles(join(dir, 'f'))).files, 64);
    expect(chunker.digest).toEqual(await source.fileDigest(0, blake2b512));
    await source.close();
  });

  it('reads a web ReadableStream', async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new Uint8Array([1, 2, 3]));
        c.enqueue(new Uint8Array([4]));
        c.close();
      },
    });
    const chunks = await collect(new StreamChunker(stream, 2));
    expect(chunks.map((c) => [...c.bytes])).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });
});
