import { describe, expect, it } from 'vitest';
import { TransferControl } from './transfer.ts';

describe('TransferControl', () => {
  it.each([
    { v: 1, t: 'offer', envelope: { transferId: 't_1' } },
    { v: 1, t: 'accept', session: 's_1' },
    { v: 1, t: 'decline' },
    { v: 1, t: 'decline', reason: 'busy' },
    { v: 1, t: 'cancel', reason: 'user', resumable: true },
    { v: 1, t: 'caps-query' },
    { v: 1, t: 'caps', maxChunkSize: 261_120 },
    { v: 1, t: 'caps', maxChunkSize: 1 },
    { v: 1, t: 'caps', maxChunkSize: 0xffff_ffff }, // HELLO's u32: a future, larger advertisement
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
    { v: 1, t: 'caps-query', maxChunkSize: 65_536 }, // strict: a query carries nothing
    { v: 1, t: 'caps' }, // maxChunkSize is required
    { v: 1, t: 'caps', maxChunkSize: 0 },
    { v: 1, t: 'caps', maxChunkSize: -65_536 },
    { v: 1, t: 'caps', maxChunkSize: 65_536.5 },
    { v: 1, t: 'caps', maxChunkSize: 0x1_0000_0000 }, // above u32
    { v: 1, t: 'caps', maxChunkSize: '65536' },
    { v: 1, t: 'caps', maxChunkSize: 65_536, extra: true },
  ])('rejects %j', (msg) => {
    expect(TransferControl.safeParse(msg).success).toBe(false);
  });
});
