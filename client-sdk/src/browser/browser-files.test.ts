// The browser file pieces, run in Node (which has Blob and File; no OPFS, so receive targets fall
// back to memory): Blob chunks and digests equal the Node FileChunkSource's for the same bytes, the
// sink verifies digests and refuses what it must with typed errors, and the memory cap is enforced.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HypersendError } from '../errors.ts';
import { enumerateFiles as enumerateNodeFiles } from '../files/enumerate-files.ts';
import { FileChunkSource as NodeChunkSource } from '../files/file-source.ts';
import { blake2b512, tempDir } from '../files/test-support.ts';
import { FileChunkSource } from './blob-chunk-source.ts';
import { enumerateFiles } from './blob-files.ts';
import { MemorySink } from './memory-sink.ts';
import { deleteReceivedFile, readReceivedFile, receiveTargets } from './receive-targets.ts';
import { TransferSink } from './transfer-sink.ts';

const CHUNK = 16 * 1024;
const bytes = (n: number) => new Uint8Array(randomBytes(n));

async function manifestOf(files: File[]) {
  const { files: entries } = await enumerateFiles(files);
  const source = new FileChunkSource(entries, CHUNK);
  const digests = await Promise.all(entries.map((_, i) => source.fileDigest(i, blake2b512)));
  const incoming = entries.map((f, i) => ({ path: f.path, size: f.size, digest: digests[i] as Uint8Array }));
  return { entries, source, incoming };
}

let target: string;
beforeEach(() => {
  target = `t${Math.random().toString(36).slice(2)}`;
  receiveTargets.useMemory(target, 1 << 20);
});

describe('browser FileChunkSource (Blob slices)', () => {
  let cleanup: () => Promise<void> = async () => {};
  afterEach(() => cleanup());

  it('reads the same chunks and digest as the Node source for the same bytes', async () => {
    const t = await tempDir();
    cleanup = t.cleanup;
    const data = bytes(3 * CHUNK + 123);
    await writeFile(join(t.dir, 'a.bin'), data);
    const node = new NodeChunkSource((await enumerateNodeFiles(join(t.dir, 'a.bin'))).files, CHUNK);
    const { source } = await manifestOf([new File([data], 'a.bin')]);
    expect(source.chunkCount).toBe(node.chunkCount);
    for (let i = 0; i < source.chunkCount; i++)
      expect(Buffer.from(await source.readChunk(i)).equals(Buffer.from(await node.readChunk(i)))).toBe(true);
    expect(await source.fileDigest(0, blake2b512)).toEqual(await node.fileDigest(0, blake2b512));
    await node.close();
  });

  it('names files by webkitRelativePath or name, sanitized, and skips case-insensitive duplicates', async () => {
    const { files, skipped } = await enumerateFiles([
      new File(['x'], 'Report.txt'),
      new File(['y'], 'report.TXT'),
      new File(['z'], '../evil'),
    ]);
    expect(files.map((f) => f.path)).toEqual(['Report.txt']);
    expect(skipped.map((s) => s.reason).sort()).toEqual(['duplicate_name', 'unsafe_name']);
  });

  it('fails with source_changed when the Blob no longer matches the manifest size', async () => {
    const { entries } = await manifestOf([new File([bytes(100)], 'a.bin')]);
    const changed = new FileChunkSource([{ ...entries[0]!, size: 200 }], CHUNK);
    await expect(changed.readChunk(0)).rejects.toMatchObject({ code: 'source_changed' });
  });
});

describe('browser TransferSink (memory target)', () => {
  const open = (incoming: Awaited<ReturnType<typeof manifestOf>>['incoming'], extra = {}) =>
    TransferSink.open({
      rootDir: target,
      transferId: 't_1',
      manifestDigest: 'm',
      senderDevice: 'd',
      chunkSize: CHUNK,
      files: incoming,
      hasher: blake2b512,
      ...extra,
    });

  it('receives a folder tree byte-identical, ignoring a resent chunk', async () => {
    const a = bytes(2 * CHUNK + 5);
    const b = bytes(0);
    const fa = new File([a], 'a.bin');
    Object.defineProperty(fa, 'webkitRelativePath', { value: 'dir/sub/a.bin' });
    const { source, incoming } = await manifestOf([fa, new File([b], 'empty.txt')]);
    const sink = await open(incoming);
    for (let i = 0; i < source.chunkCount; i++) {
      await sink.write(i, await source.readChunk(i));
      if (i === 1) await sink.write(1, await source.readChunk(1)); // a resent window
    }
    expect(await sink.commitThrough(source.chunkCount - 1)).toBe(source.chunkCount);
    await sink.finish();
    const got = await readReceivedFile(target, 'dir/sub/a.bin');
    expect(Buffer.from(await got.arrayBuffer()).equals(Buffer.from(a))).toBe(true);
    expect((await readReceivedFile(target, 'empty.txt')).size).toBe(0);
  });

  it('a wrong digest fails hash_mismatch and leaves no file under the name', async () => {
    const { source, incoming } = await manifestOf([new File([bytes(CHUNK + 1)], 'a.bin')]);
    const sink = await open([{ ...incoming[0]!, digest: new Uint8Array(64) }]);
    await sink.write(0, await source.readChunk(0));
    await expect(sink.write(1, await source.readChunk(1))).rejects.toMatchObject({ code: 'hash_mismatch' });
    await expect(readReceivedFile(target, 'a.bin')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('refuses a gap, a wrong chunk length and an early finish', async () => {
    const { source, incoming } = await manifestOf([new File([bytes(3 * CHUNK)], 'a.bin')]);
    const gap = await open(incoming);
    await expect(gap.write(1, await source.readChunk(1))).rejects.toMatchObject({ code: 'out_of_order' });
    const short = await open(incoming, { transferId: 't_2' });
    await expect(short.write(0, new Uint8Array(10))).rejects.toMatchObject({ code: 'bad_chunk' });
    const early = await open(incoming, { transferId: 't_3' });
    await early.write(0, await source.readChunk(0));
    await expect(early.finish()).rejects.toMatchObject({ code: 'out_of_order' });
  });

  it('refuses unsafe names and existing files (unless overwrite) before any byte', async () => {
    const { source, incoming } = await manifestOf([new File([bytes(10)], 'a.bin')]);
    await expect(open([{ ...incoming[0]!, path: '../x' }])).rejects.toMatchObject({ code: 'unsafe_path' });
    const first = await open(incoming);
    await first.write(0, await source.readChunk(0));
    await first.finish();
    await expect(open(incoming)).rejects.toMatchObject({ code: 'file_exists' });
    await expect(open(incoming, { overwrite: true })).resolves.toBeInstanceOf(MemorySink);
  });

  it('refuses a receive folder name that could climb out of the storage root', async () => {
    await expect(receiveTargets.resolve('../outside')).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(receiveTargets.resolve('a/../../b')).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('the memory cap refuses an oversize manifest before any byte, as payload_too_large', async () => {
    const big = [{ path: 'big.bin', size: (1 << 20) + 1, digest: new Uint8Array(64) }];
    const err = await open(big).catch((e: unknown) => e);
    expect(HypersendError.is(err, 'payload_too_large')).toBe(true);
    expect((err as HypersendError).details).toEqual({ capBytes: 1 << 20 });
    // What fits still fits afterwards: the refused reservation was released.
    const { incoming } = await manifestOf([new File([bytes(1000)], 'small.bin')]);
    await expect(open(incoming)).resolves.toBeInstanceOf(MemorySink);
  });

  it('deleting a received file frees its share of the memory cap', async () => {
    const { source, incoming } = await manifestOf([new File([bytes(700_000)], 'a.bin')]);
    const first = await open(incoming);
    for (let i = 0; i < source.chunkCount; i++) await first.write(i, await source.readChunk(i));
    await first.finish();
    const again = { transferId: 't_2', overwrite: true, files: [{ ...incoming[0]!, path: 'b.bin' }] };
    await expect(open(incoming, again)).rejects.toMatchObject({ code: 'payload_too_large' });
    await deleteReceivedFile(target, 'a.bin');
    await expect(readReceivedFile(target, 'a.bin')).rejects.toMatchObject({ code: 'not_found' });
    await expect(open(incoming, again)).resolves.toBeInstanceOf(MemorySink);
  });
});
