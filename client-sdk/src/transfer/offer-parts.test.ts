import { randomBytes } from 'node:crypto';
import { MAX_OFFER_PARTS, OFFER_PART_CHARS, TransferControl } from '@hypersend/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OfferAssembler, offerControls } from './offer-parts.ts';

/** An envelope-shaped object whose JSON is about `chars` long (the manifest dominates). */
const envelope = (chars: number) => ({
  version: 1,
  transferId: 't_big',
  encryptedManifest: randomBytes(Math.ceil((chars * 3) / 4)).toString('base64url'),
});

type Part = Extract<TransferControl, { t: 'offer-part' }>;
const parse = (c: Record<string, unknown>) => TransferControl.parse(JSON.parse(JSON.stringify(c)));

afterEach(() => vi.useRealTimers());

describe('offerControls / OfferAssembler', () => {
  it('a small offer stays one `offer`', () => {
    const env = envelope(1000);
    const cs = offerControls(env).map(parse);
    expect(cs).toEqual([{ v: 1, t: 'offer', envelope: env }]);
  });

  it('a large offer splits into parts that each fit a signaling frame, and joins back in any order', () => {
    const env = envelope(5 * OFFER_PART_CHARS + 123);
    const parts = offerControls(env).map(parse) as Part[];
    expect(parts).toHaveLength(6);
    for (const p of parts) {
      expect(p.t).toBe('offer-part');
      expect(JSON.stringify(p).length).toBeLessThan(60 * 1024); // + the signal wrapper < 64 KiB
    }
    const a = new OfferAssembler();
    const shuffled = [parts[3], parts[0], parts[5], parts[0], parts[1], parts[4]] as Part[];
    for (const p of shuffled) expect(a.add('k', p)).toBeUndefined(); // part 2 still missing
    expect(a.add('k', parts[2] as Part)).toEqual(env);
    expect(a.pending).toBe(0);
  });

  it('keeps offers of different senders apart and bounds how many are assembled at once', () => {
    const a = new OfferAssembler({ maxPending: 2 });
    const p = (count: number, index: number, text: string): Part => ({
      v: 1,
      t: 'offer-part',
      count,
      index,
      text,
    });
    a.add('x', p(2, 0, '{"a":'));
    a.add('y', p(2, 0, '{"b":'));
    a.add('z', p(2, 0, '{"c":')); // evicts x, the oldest
    expect(a.pending).toBe(2);
    expect(a.add('y', p(2, 1, '2}'))).toEqual({ b: 2 });
    expect(a.add('x', p(2, 1, '1}'))).toBeUndefined(); // x starts over with only part 1
    expect(a.add('z', p(2, 1, '3}'))).toEqual({ c: 3 });
  });

  it('drops an offer whose parts disagree on count, are not JSON, or never complete', () => {
    vi.useFakeTimers();
    const a = new OfferAssembler({ timeoutMs: 1000 });
    const p = (count: number, index: number, text: string): Part => ({
      v: 1,
      t: 'offer-part',
      count,
      index,
      text,
    });
    a.add('k', p(3, 0, '{"a":'));
    expect(a.add('k', p(2, 1, '1}'))).toBeUndefined(); // count changed: restart with this part
    expect(a.add('k', p(2, 0, 'nope'))).toBeUndefined(); // complete but not JSON
    expect(a.pending).toBe(0);
    a.add('k', p(2, 0, '['));
    expect(a.add('k', p(2, 1, ']'))).toBeUndefined(); // JSON, but not an object
    a.add('t', p(2, 0, '{'));
    vi.advanceTimersByTime(1001);
    expect(a.pending).toBe(0);
    expect(a.add('t', p(2, 1, '}'))).toBeUndefined(); // part 0 expired with its offer
  });

  it('refuses an offer above the part limit, and the schema refuses malformed parts', () => {
    expect(() => offerControls(envelope(MAX_OFFER_PARTS * OFFER_PART_CHARS + 10))).toThrow(
      expect.objectContaining({ code: 'payload_too_large' }),
    );
    const ok = { v: 1, t: 'offer-part', index: 0, count: 2, text: 'x' };
    expect(TransferControl.safeParse(ok).success).toBe(true);
    for (const bad of [
      { ...ok, index: 2 },
      { ...ok, count: 1 },
      { ...ok, count: MAX_OFFER_PARTS + 1 },
      { ...ok, text: '' },
      { ...ok, text: 'x'.repeat(OFFER_PART_CHARS + 1) },
    ])
      expect(TransferControl.safeParse(bad).success).toBe(false);
  });
});
