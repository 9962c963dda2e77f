// The package's conditional export picks node:crypto in Node; the subpaths resolve.
import { describe, expect, it } from 'vitest';

describe('package exports', () => {
  it('crypto-backend resolves to the node backend under the node condition', async () => {
    const { loadCryptoBackend } = await import('@hypersend/client/crypto-backend');
    expect((await loadCryptoBackend()).name).toBe('node');
  });

  it('exposes crypto, transfer and errors subpaths', async () => {
    const crypto = await import('@hypersend/client/crypto');
    const transfer = await import('@hypersend/client/transfer');
    const errors = await import('@hypersend/client/errors');
    expect(typeof crypto.createStream).toBe('function');
    expect(typeof transfer.decodeFrame).toBe('function');
    expect(typeof errors.HypersendError).toBe('function');
  });
});
