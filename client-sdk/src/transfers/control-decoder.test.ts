import { describe, expect, it } from 'vitest';
import { decodeTransferControl } from './control-decoder.ts';

describe('decodeTransferControl', () => {
  it('passes every known type that fits its schema', () => {
    for (const data of [
      { v: 1, t: 'caps-query' },
      { v: 1, t: 'caps', maxChunkSize: 65536 },
      { v: 1, t: 'accept', session: 's_abcdefghijkl' },
      { v: 1, t: 'decline' },
      { v: 1, t: 'cancel', reason: 'user', resumable: false },
      { v: 1, t: 'offer', envelope: { transferId: 't_x' } },
      { v: 1, t: 'offer-part', index: 0, count: 2, text: '{' },
    ]) {
      const d = decodeTransferControl(data);
      expect(d.kind, JSON.stringify(data)).toBe('control');
      if (d.kind === 'control') expect(d.msg.t).toBe(data.t);
    }
  });

  it('calls a well-formed control of a type or version it does not know unknown, not malformed', () => {
    expect(decodeTransferControl({ v: 1, t: 'resume-hint', from: 42 })).toEqual({
      kind: 'unknown',
      v: 1,
      t: 'resume-hint',
    });
    // A later version of a known type: its fields may have changed, so it is not judged by v1's schema.
    expect(decodeTransferControl({ v: 2, t: 'caps', maxChunkSize: 'lots' })).toEqual({
      kind: 'unknown',
      v: 2,
      t: 'caps',
    });
  });

  it('calls a known type with bad fields malformed, naming the type and the field', () => {
    const caps = decodeTransferControl({ v: 1, t: 'caps', maxChunkSize: -1 });
    expect(caps).toMatchObject({ kind: 'malformed', t: 'caps' });
    if (caps.kind === 'malformed') expect(caps.issue).toMatch(/^maxChunkSize: /u);
    // Extra fields on a known type stay refused: the v1 schemas are strict.
    expect(decodeTransferControl({ v: 1, t: 'decline', extra: true })).toMatchObject({
      kind: 'malformed',
      t: 'decline',
    });
    expect(decodeTransferControl({ v: 1, t: 'offer-part', index: 3, count: 2, text: 'x' })).toMatchObject({
      kind: 'malformed',
      t: 'offer-part',
    });
  });

  it('calls anything without a valid envelope malformed', () => {
    for (const data of [
      null,
      'caps-query',
      [],
      {},
      { t: 'caps-query' },
      { v: '1', t: 'caps-query' },
      { v: 1.5, t: 'caps-query' },
      { v: 1, t: '' },
      { v: 1, t: 7 },
      { v: 1, t: 'x'.repeat(65) },
    ])
      expect(decodeTransferControl(data), JSON.stringify(data)).toMatchObject({
        kind: 'malformed',
        t: undefined,
      });
  });
});
