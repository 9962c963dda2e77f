/**
 * Small-file latency of an encrypted Hypersend transfer between two processes on loopback: from
 * `send` (offer creation) to the first CHUNK on the wire, and to the receiver's DONE (file fsynced,
 * digest checked, renamed) for a 1 MiB file. Fresh processes per round, so every round pays the
 * whole path a user pays: offer, key seal, accept, WebRTC set-up, handshake, transfer. Medians.
 *
 *   node --import tsx bench/src/small-file-latency.ts [--tiny] [--rounds=7] [--kib=1024]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median } from './lib/bench-options.ts';
import { emitResult } from './lib/bench-result.ts';
import { encrypted, makeFile } from './transfer-throughput.ts';

function options(argv = process.argv.slice(2)): { rounds: number; bytes: number; tiny: boolean } {
  const num = (name: string, fallback: number): number => {
    const hit = argv.find((a) => a.startsWith(`--${name}=`));
    const n = hit === undefined ? fallback : Number(hit.slice(name.length + 3));
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  const tiny = argv.includes('--tiny');
  return { tiny, rounds: num('rounds', tiny ? 2 : 7), bytes: num('kib', 1024) * 1024 };
}

async function main(): Promise<void> {
  const o = options();
  const work = await mkdtemp(join(tmpdir(), 'hs-bench-latency-'));
  try {
    const file = join(work, 'small.bin');
    await makeFile(file, o.bytes, false);
    console.log(`small-file latency: ${o.bytes / 1024} KiB, ${o.rounds} round(s), fresh processes each`);
    const firstByte: number[] = [];
    const complete: number[] = [];
    for (let i = 0; i < o.rounds; i++) {
      const r = await encrypted(file, work, o.bytes, {});
      console.log(
        `  round ${i + 1}: first byte ${r.firstByteMs.toFixed(0)} ms, complete ${r.completeMs.toFixed(0)} ms`,
      );
      firstByte.push(r.firstByteMs);
      complete.push(r.completeMs);
    }
    const fb = median(firstByte);
    const done = median(complete);
    const size = `${o.bytes / 1024 / 1024 >= 1 ? `${o.bytes / 1024 / 1024} MiB` : `${o.bytes / 1024} KiB`}`;
    console.log(`send → first byte median: ${fb.toFixed(0)} ms`);
    console.log(`send → complete median:   ${done.toFixed(0)} ms (${size})`);
    emitResult({
      bench: 'small-file-latency',
      tiny: o.tiny,
      figures: [
        {
          id: 'latency.first_byte_ms',
          label: `send → first byte on the wire (${size} file, median)`,
          value: fb,
          unit: 'ms',
          goal: { text: '< 1 s median', pass: fb < 1000 },
        },
        {
          id: 'latency.complete_ms',
          label: `send → file complete at the receiver (${size}, median)`,
          value: done,
          unit: 'ms',
        },
      ],
      details: { rounds: o.rounds, bytes: o.bytes, firstByteMs: firstByte, completeMs: complete },
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
