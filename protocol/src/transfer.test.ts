import { describe, expect, it } from 'vitest';
import { TransferControl } from './transfer.ts';

describe('TransferControl', () => {
  it.each([
    { v: 1, t: 'offer', envelope: { transferId: 't_1' } },
    { v: 1, t: 'accept', session: 's_1' },
    { v: 1, t: 'decline' },
    { v: 1, t: 'decline', reason: 'busy' },
    { v: 1, t: 'cancel', reason: 'user', resumable: true },
  ])('accepts %j', (msg) => {
    expect(TransferControl.safeParse(msg).success).toBe(true);
  });

  it.each([
    { v: 2, t: 'decline' }, // unknown version: ignored by the receiver
    { v: 1, t: 'accept', session: 'not an id!' },
    { v: 1, t: 'accept', session: 's_1', extra: 1 }, // strict: no unknown keys
    { v: 1, t: 'cancel', reason: 'user' }, // resumable is required
    { v: 1, t: 'decline', reason: 'x'.repeat(65) },
    { v: 1, t: 'resume' },
  ])('rejects %j', (msg) => {
    expect(TransferControl.safeParse(msg).success).toBe(false);
  });
});
