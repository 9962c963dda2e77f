// Human-readable sizes, rates and durations for the transfer list. Pure functions (unit-tested).

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/**
 * Bytes in decimal units with at most one decimal, as file managers show them.
 *
 * @example
 * formatBytes(1_500_000); // '1.5 MB'
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/**
 * A rate in bytes per second.
 *
 * @example
 * formatRate(2_000_000); // '2.0 MB/s'
 */
export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/**
 * Remaining time as `h:mm:ss` or `m:ss`; unknown (no rate yet, unknown size) as an em dash.
 *
 * @example
 * formatEta(75); // '1:15'
 */
export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/**
 * How the bytes travel, in words a user understands.
 *
 * @example
 * describePath('turn'); // 'through a TURN relay'
 */
export function describePath(path: string | undefined): string {
  switch (path) {
    case 'direct':
      return 'direct (peer to peer)';
    case 'turn':
      return 'through a TURN relay';
    case 'relay':
      return 'via the store-and-forward relay';
    default:
      return 'connecting';
  }
}
