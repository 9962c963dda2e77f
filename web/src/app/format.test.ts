import { describe, expect, it } from 'vitest';
import { describePath, formatBytes, formatEta, formatRate } from './format.ts';

describe('transfer figures', () => {
  it('formats sizes in decimal units with at most one decimal', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1_000)).toBe('1.0 KB');
    expect(formatBytes(1_500_000)).toBe('1.5 MB');
    expect(formatBytes(123_400_000)).toBe('123 MB');
    expect(formatBytes(40e9)).toBe('40.0 GB');
    expect(formatBytes(5e15)).toBe('5000 TB');
    expect(formatBytes(-1)).toBe('?');
    expect(formatBytes(Number.NaN)).toBe('?');
    expect(formatRate(2_000_000)).toBe('2.0 MB/s');
  });

  it('formats the ETA as m:ss or h:mm:ss, unknown as a dash', () => {
    expect(formatEta(0)).toBe('0:00');
    expect(formatEta(75)).toBe('1:15');
    expect(formatEta(3_725)).toBe('1:02:05');
    expect(formatEta(undefined)).toBe('—');
    expect(formatEta(Number.POSITIVE_INFINITY)).toBe('—');
    expect(formatEta(-3)).toBe('—');
  });

  it('names every transfer path', () => {
    expect(describePath('direct')).toBe('direct (peer to peer)');
    expect(describePath('turn')).toBe('through a TURN relay');
    expect(describePath('relay')).toBe('via the store-and-forward relay');
    expect(describePath(undefined)).toBe('connecting');
  });
});
