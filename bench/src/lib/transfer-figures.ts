import { type BenchResult, compared, type Figure } from './bench-result.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** Size as the table names it: `512 MiB`, `4 GiB`. */
export function sizeLabel(bytes: number): string {
  return bytes >= GiB && bytes % GiB === 0 ? `${bytes / GiB} GiB` : `${+(bytes / MiB).toFixed(1)} MiB`;
}

/** What `transfer-throughput.ts` measured in one run. */
export interface TransferMeasurement {
  bytes: number;
  sparse: boolean;
  tiny: boolean;
  rawMbps: number;
  encryptedMbps: number;
  /** Median send → first CHUNK on the wire over the latency rounds (NaN when there were none). */
  firstByteMs: number;
  senderPeakBytes: number;
  receiverPeakBytes: number;
}

/**
 * The figures of one `transfer-throughput.ts` run: encrypted ÷ raw data channel (issue 3's goal:
 * at least 90 %), send → first byte (goal: under 1 s median), and the peak RSS of both ends
 * (goal at 4 GiB: below 200 MB each; `all.ts` also compares 4 GiB with 512 MiB).
 */
export function transferResult(m: TransferMeasurement): BenchResult {
  const size = sizeLabel(m.bytes);
  const key = m.bytes >= GiB ? `${m.bytes / GiB}g` : `${Math.round(m.bytes / MiB)}m`;
  const ratio = m.encryptedMbps / m.rawMbps;
  const figures: Figure[] = [
    compared(
      `transfer.encrypted_vs_raw.${key}`,
      `Encrypted direct transfer, ${size}, 2 processes`,
      m.encryptedMbps,
      'MB/s',
      { label: 'raw @roamhq/wrtc data channel', value: m.rawMbps },
      { text: '≥ 90 % of raw', pass: ratio >= 0.9 },
    ),
  ];
  const rssGoal = m.bytes >= 4 * GiB;
  for (const [side, peak] of [
    ['sender', m.senderPeakBytes],
    ['receiver', m.receiverPeakBytes],
  ] as const)
    figures.push({
      id: `transfer.peak_rss_${side}.${key}`,
      label: `Peak RSS of the ${side}, ${size}${m.sparse ? ' (sparse source)' : ''}`,
      value: peak / MiB,
      unit: 'MiB',
      ...(rssGoal ? { goal: { text: '< 200 MB', pass: peak < 200e6 } } : {}),
    });
  if (Number.isFinite(m.firstByteMs))
    figures.push({
      id: 'transfer.first_byte_ms',
      label: 'send → first byte on the wire (64 KiB file, median)',
      value: m.firstByteMs,
      unit: 'ms',
      goal: { text: '< 1 s median', pass: m.firstByteMs < 1000 },
    });
  return { bench: 'transfer-throughput', tiny: m.tiny, figures, details: m };
}
