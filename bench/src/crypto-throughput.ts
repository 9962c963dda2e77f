/**
 * Chunk encryption throughput of the two crypto backends (node:crypto vs libsodium/WASM) on
 * 64 KiB chunks: seal into a CHUNK frame, open it again, both, and the BLAKE2b-512 file hash.
 * One core, one process; prints MB/s (10^6 B/s of plaintext) and the node/sodium ratio.
 *
 *   node --import tsx bench/src/crypto-throughput.ts [--mb=256] [--chunk-kib=64] [--rounds=3]
 */

import { type CryptoBackend, createStream, decryptChunk } from '@hypersend/client/crypto';
import { loadCryptoBackend as loadNode } from '@hypersend/client/crypto/backend-node';
import { loadCryptoBackend as loadSodium } from '@hypersend/client/crypto/backend-sodium';
import { CHUNK_HEADER_BYTES, sealChunkFrame } from '@hypersend/client/transfer';

const arg = (name: string, fallback: number): number => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  const n = hit === undefined ? fallback : Number(hit.slice(name.length + 3));
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
};
const totalBytes = arg('mb', 256) * 1e6;
const chunkBytes = arg('chunk-kib', 64) * 1024;
const rounds = arg('rounds', 3);
const chunks = Math.max(1, Math.round(totalBytes / chunkBytes));

type Op = 'seal' | 'open' | 'seal+open' | 'blake2b512';

function measure(backend: CryptoBackend, op: Op): number {
  const ctx = createStream(backend.aead, new Uint8Array(32).fill(1), 't_bench');
  const plain = new Uint8Array(chunkBytes).fill(0x5a);
  // Pre-sealed frames for 'open', so it measures only decryption; a small ring keeps them in cache
  // no better than real traffic would be.
  const ring = Array.from({ length: 16 }, (_, i) => sealChunkFrame(ctx, i, false, plain));
  const t0 = performance.now();
  let sink = 0;
  if (op === 'blake2b512') {
    const h = backend.createFileHasher();
    for (let i = 0; i < chunks; i++) h.update(plain);
    sink += h.digest()[0]!;
  } else {
    for (let i = 0; i < chunks; i++) {
      if (op === 'open') {
        const slot = i % 16;
        sink += decryptChunk(ctx, slot, false, ring[slot]!.subarray(CHUNK_HEADER_BYTES)).length;
      } else {
        const frame = sealChunkFrame(ctx, i, false, plain);
        if (op === 'seal+open')
          sink += decryptChunk(ctx, i, false, frame.subarray(CHUNK_HEADER_BYTES)).length;
        else sink += frame.length;
      }
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  if (sink < 0) console.log(sink); // keeps the work observable to the optimiser
  return (chunks * chunkBytes) / 1e6 / seconds;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const backends = [await loadNode(), await loadSodium()];
  console.log(
    `crypto throughput: ${chunks} chunks of ${chunkBytes / 1024} KiB (${((chunks * chunkBytes) / 1e6).toFixed(0)} MB) ` +
      `per measurement, median of ${rounds} round(s), Node ${process.version}, one core`,
  );
  const ops: Op[] = ['seal', 'open', 'seal+open', 'blake2b512'];
  for (const op of ops) {
    const result: Record<string, number> = {};
    for (const b of backends) {
      measure(b, op); // warm-up: JIT, WASM tier-up, OpenSSL init
      const xs: number[] = [];
      for (let r = 0; r < rounds; r++) xs.push(measure(b, op));
      result[b.name] = median(xs);
    }
    const n = result.node!;
    const s = result.sodium!;
    console.log(
      `  ${op.padEnd(11)} node ${n.toFixed(0).padStart(5)} MB/s   sodium ${s.toFixed(0).padStart(5)} MB/s   ratio ${(n / s).toFixed(2)}x`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
