import { describe, expect, it } from 'vitest';
import { UsageError } from './exit-codes.ts';
import { parse, rateOption } from './parse.ts';

describe('--limit-rate', () => {
  it('reads bytes per second with binary suffixes, as curl does', () => {
    expect(rateOption(undefined)).toBeUndefined();
    expect(rateOption('16384')).toBe(16_384);
    expect(rateOption('500K')).toBe(512_000);
    expect(rateOption('10m')).toBe(10 * 1024 * 1024);
    expect(rateOption('1.5G')).toBe(1.5 * 1024 ** 3);
    expect(rateOption('2MiB')).toBe(2 * 1024 * 1024);
    expect(parse(['send', 'a.bin', '--to', 'bob', '--limit-rate', '10M']).values['limit-rate']).toBe('10M');
  });

  it('refuses anything else with a usage error naming the option', () => {
    for (const bad of ['', 'fast', '10X', '-5M', '1K', '0', '1e9', true]) {
      expect(() => rateOption(bad)).toThrow(UsageError);
      expect(() => rateOption(bad)).toThrow(/--limit-rate/u);
    }
  });
});
