// Progress output: a redrawn bar on a terminal, a line per second otherwise, JSON with --json.
import type { ProgressEvent } from '../transfers/transfer-handle.ts';

/** Human size: 1.5 MB (decimal units, like most file managers). */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

function formatEta(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return '--:--';
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/**
 * Renders progress events in the mode the output allows.
 *
 * @example
 * const view = new ProgressView({ json: false, tty: process.stderr.isTTY === true });
 * t.on('progress', (p) => view.update(p));
 * view.end();
 */
export class ProgressView {
  #last = 0;
  #drawn = false;
  constructor(private readonly o: { json: boolean; tty: boolean; transferId?: () => string | undefined }) {}

  update(p: ProgressEvent): void {
    const now = Date.now();
    const every = this.o.json ? 250 : this.o.tty ? 100 : 1000;
    const final = p.total !== undefined && p.bytes >= p.total;
    if (!final && now - this.#last < every) return;
    this.#last = now;
    if (this.o.json) {
      const line = {
        event: 'progress',
        transferId: this.o.transferId?.(),
        bytes: p.bytes,
        total: p.total ?? null,
        rate: Math.round(p.rate),
        etaSeconds: p.etaSeconds === undefined ? null : Math.round(p.etaSeconds),
        path: p.path ?? null,
      };
      process.stdout.write(`${JSON.stringify(line)}\n`);
      return;
    }
    const pct = p.total ? Math.floor((p.bytes / p.total) * 100) : p.total === 0 ? 100 : undefined;
    const size = `${formatBytes(p.bytes)}${p.total === undefined ? '' : ` / ${formatBytes(p.total)}`}`;
    const tail = `${formatBytes(p.rate)}/s  ETA ${formatEta(p.etaSeconds)}  ${p.path ?? '…'}`;
    if (this.o.tty) {
      const width = 24;
      const fill = pct === undefined ? 0 : Math.round((pct / 100) * width);
      const bar = `[${'#'.repeat(fill)}${'-'.repeat(width - fill)}]`;
      process.stderr.write(`\r\x1b[2K${bar} ${pct ?? '?'}%  ${size}  ${tail}`);
      this.#drawn = true;
    } else {
      process.stderr.write(`progress ${pct ?? '?'}% ${size} ${tail}\n`);
    }
  }

  /** Finish the bar's line. */
  end(): void {
    if (this.#drawn) process.stderr.write('\n');
    this.#drawn = false;
  }
}
