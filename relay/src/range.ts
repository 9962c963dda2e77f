/** What to send for a `Range` request header against an object of a known size. */
export type RangeResult =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

const SINGLE = /^bytes=(\d{0,16})-(\d{0,16})$/;

/**
 * Interpret a `Range` header (RFC 9110 §14) for one byte range, inclusive `end`. Multiple ranges,
 * other units and malformed values are ignored (the whole object is sent, which the RFC allows);
 * a well-formed range that starts past the end is unsatisfiable (416).
 *
 * @example
 * parseRange('bytes=100-', 1000); // { kind: 'partial', start: 100, end: 999 }
 * parseRange('bytes=-10', 1000);  // { kind: 'partial', start: 990, end: 999 }
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (!header) return { kind: 'full' };
  const match = SINGLE.exec(header.trim());
  if (!match) return { kind: 'full' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'full' };
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (end < start) return { kind: 'full' };
  return { kind: 'partial', start, end };
}
