// Bench: memory of the file layer does not grow with file size.
// Streams a sparse file (default 1 GiB) through FileChunkSource → TransferSink on the real filesystem
// and prints RSS before, peak and after. Numbers, not pass/fail; the target is peak growth < ~50 MB.
//
//   npx tsx bench/src/file-io-memory.ts            # 1 GiB, 64 KiB chunks
//   SIZE_MB=4096 CHUNK_KB=256 npx tsx bench/src/file-io-memory.ts
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { enumerateFiles } from '../../client-sdk/src/files/enumerate-files.ts';
import { FileChunkSource } from '../../client-sdk/src/files/file-source.ts';
import { blake2b512, tempDir } from '../../client-sdk/src/files/test-support.ts';
import { TransferSink } from '../../client-sdk/src/files/transfer-sink.ts';

const size = Number(process.env.SIZE_MB ?? 1024) * 1024 * 1024;
const chunkSize = Number(process.env.CHUNK_KB ?? 64) * 1024;
const window = 64;
const mb = (n: number): number => Math.round((n / 1024 / 1024) * 10) / 10;

const src = await tempDir('hs-bench-src-');
const dst = await tempDir('hs-bench-dst-');
try {
  // Sparse but not all-zero: a few real bytes so the hash covers something other than zeros.
  const fh = await open(join(src.dir, 'big.bin'), 'w');
  await fh.truncate(size);
  for (let off = 0; off < size; off += 97 * 1024 * 1024)
    await fh.write(Buffer.from(`marker@${off}`), 0, undefined, off);
  await fh.close();

  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  sampler.unref();

  const t0 = performance.now();
  const { files } = await enumerateFiles(join(src.dir, 'big.bin'));
  const source = new FileChunkSource(files, chunkSize);
  const file = files[0];
  if (file === undefined) throw new Error('no file');
  const digest = await source.fileDigest(0, blake2b512);
  const t1 = performance.now();
  const sink = await TransferSink.open({
    rootDir: dst.dir,
    transferId: 'bench',
    manifestDigest: 'bench',
    senderDevice: 'bench',
    chunkSize,
    hasher: blake2b512,
    files: [{ path: file.path, size: file.size, digest }],
  });
  // Fresh buffer per chunk: the sink takes ownership of what it is given.
  for (let i = 0; i < source.chunkCount; i++) {
    await sink.write(i, await source.readChunk(i));
    if ((i + 1) % window === 0) await sink.commitThrough(i);
  }
  await sink.finish();
  await source.close();
  const t2 = performance.now();
  clearInterval(sampler);
  const rssAfter = process.memoryUsage().rss;

  console.log(
    JSON.stringify({
      sizeMB: mb(size),
      chunkKB: chunkSize / 1024,
      hashPassMBps: Math.round(mb(size) / ((t1 - t0) / 1000)),
      transferMBps: Math.round(mb(size) / ((t2 - t1) / 1000)),
      rssBeforeMB: mb(rssBefore),
      rssPeakMB: mb(peak),
      rssAfterMB: mb(rssAfter),
      peakGrowthMB: mb(peak - rssBefore),
      // finish() resolved, so the sink checked the whole-file digest of what it wrote.
      verifiedBySink: true,
    }),
  );
} finally {
  await src.cleanup();
  await dst.cleanup();
}
