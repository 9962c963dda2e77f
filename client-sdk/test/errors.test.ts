import { describe, expect, it } from 'vitest';
import { HypersendError } from '../src/errors.ts';

describe('HypersendError', () => {
  it('carries a stable code, cause and details', () => {
    const cause = new Error('openssl says no');
    const err = HypersendError.decryptFailed({ index: 3 }, cause);
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe('decrypt_failed');
    expect(err.cause).toBe(cause);
    expect(err.details).toEqual({ index: 3 });
    expect(err.name).toBe('HypersendError');
  });

  it('is() matches by brand and optional codes, not by shape', () => {
    const err = HypersendError.keyChanged('u_bob/d_phone');
    expect(HypersendError.is(err)).toBe(true);
    expect(HypersendError.is(err, 'key_changed', 'seal_invalid')).toBe(true);
    expect(HypersendError.is(err, 'decrypt_failed')).toBe(false);
    expect(HypersendError.is({ code: 'key_changed' })).toBe(false);
    expect(HypersendError.is(null)).toBe(false);
  });

  it('omits cause when none is given', () => {
    expect('cause' in HypersendError.badFrame('short')).toBe(false);
  });
});
