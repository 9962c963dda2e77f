import { describe, expect, it } from 'vitest';
import { derivedFigures } from '../all.ts';
import { compared, emitResult, parseResults } from './bench-result.ts';
import { type RunRecord, renderResults, type StepRecord } from './results-markdown.ts';
import { transferResult } from './transfer-figures.ts';

const MiB = 1024 * 1024;

function transferStep(name: string, bytes: number, senderPeak: number, receiverPeak: number): StepRecord {
  const result = transferResult({
    bytes,
    sparse: false,
    tiny: false,
    rawMbps: 50,
    encryptedMbps: 40,
    firstByteMs: Number.NaN,
    senderPeakBytes: senderPeak * MiB,
    receiverPeakBytes: receiverPeak * MiB,
  });
  return { name, command: 'x', seconds: 1, ok: true, results: [result] };
}

function run(steps: StepRecord[], tiny = false): RunRecord {
  return {
    date: '2026-11-29T01:00:00.000Z',
    seconds: 600,
    tiny,
    commit: 'a'.repeat(40),
    dirty: false,
    machine: {
      cpuModel: 'Test CPU',
      cores: 2,
      ramGiB: 8,
      kernel: '6.1',
      node: 'v20.0.0',
      loadAvgStart: 1,
      loadAvgEnd: 2,
      freeRamGiBStart: 4,
    },
    steps,
    derived: derivedFigures(steps),
  };
}

describe('bench results', () => {
  it('round-trips BENCH_RESULT lines out of mixed output', () => {
    const lines: string[] = [];
    const log = console.log;
    console.log = (line: string) => lines.push(line);
    try {
      emitResult({
        bench: 'b',
        tiny: true,
        figures: [compared('x', 'X', 2, 'MB/s', { label: 'r', value: 4 })],
      });
    } finally {
      console.log = log;
    }
    const [result] = parseResults(`noise\n${lines.join('\n')}\nmore noise\n`);
    expect(result?.figures[0]?.ratio).toBe(0.5);
    expect(result?.figures[0]?.reference).toEqual({ label: 'r', value: 4, unit: 'MB/s' });
  });

  it('compares the 4 GiB peak RSS with the 512 MiB one, per side, and judges the 10 % goal', () => {
    const steps = [
      transferStep('transfer-512m', 512 * MiB, 100, 120),
      transferStep('transfer-4g', 4096 * MiB, 105, 180),
    ];
    const [sender, receiver] = derivedFigures(steps);
    expect(sender?.ratio).toBeCloseTo(1.05, 6);
    expect(sender?.goal?.pass).toBe(true);
    expect(receiver?.ratio).toBeCloseTo(1.5, 6);
    expect(receiver?.goal?.pass).toBe(false);
    // The 4 GiB run also carries the absolute goal: < 200 MB each.
    const big = steps[1]?.results[0]?.figures.find((f) => f.id === 'transfer.peak_rss_receiver.4g');
    expect(big?.goal).toEqual({ text: '< 200 MB', pass: true });
  });

  it('renders goals as pass / FAIL, and as n/a in a tiny run', () => {
    const steps = [
      transferStep('transfer-512m', 512 * MiB, 100, 120),
      transferStep('transfer-4g', 4096 * MiB, 105, 180),
    ];
    const md = renderResults(run(steps));
    expect(md).toContain(
      '| Encrypted direct transfer, 512 MiB, 2 processes | 40.0 MB/s | 50.0 MB/s (raw @roamhq/wrtc data channel) | 0.80× | ≥ 90 % of raw | **FAIL** |',
    );
    expect(md).toMatch(
      /Peak RSS of the sender: 4 GiB file vs 512 MiB file \| 105 MiB .* \| 1\.05× \(lower is better\) \| .* \| pass \|/u,
    );
    expect(md).toContain('Test CPU, 2 cores');
    expect(renderResults(run(steps, true))).not.toContain('FAIL');
  });

  it('lists a failed step with the first line of its error', () => {
    const failed: StepRecord = {
      name: 'croc',
      command: 'node croc.ts',
      seconds: 3,
      ok: false,
      error: 'exited 1\ntrace',
      results: [],
    };
    expect(renderResults(run([failed]))).toContain(
      '| croc | `node croc.ts` | 3.00 s | – | **failed**: exited 1 |',
    );
  });

  it("shows each step's steal: how much of the VM's CPU the host took during it", () => {
    const step = { ...transferStep('transfer-512m', 512 * MiB, 100, 120), stealCores: 0.4321 };
    expect(renderResults(run([step]))).toContain('| transfer-512m | `x` | 1.00 s | 0.43 cores | ok |');
  });
});
