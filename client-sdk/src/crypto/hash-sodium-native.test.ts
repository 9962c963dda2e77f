import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toHex } from '../encoding.ts';
import { createBlake2b512Node } from './hash-node.ts';
import { nativeBlake2b512 } from './hash-sodium-native.ts';

// The file-hash vectors run against the Node backend (client-sdk/test/crypto-contract.test.ts),
// which uses sodium-native here; this checks it against the node:crypto fallback as well.
describe('BLAKE2b-512 on sodium-native', () => {
  const create = nativeBlake2b512();

  it('loads on this machine (CI would otherwise measure the fallback)', () => {
    expect(create).toBeDefined();
  });

  it('gives the same digests as node:crypto, whole and in uneven pieces', () => {
    if (!create) throw new Error('sodium-native did not load');
    for (const size of [0, 1, 127, 128, 129, 255 * 1024, 1024 * 1024 + 3]) {
      const input = randomBytes(size);
      const expected = toHex(createBlake2b512Node().update(input).digest());
      expect(toHex(create().update(input).digest())).toBe(expected);
      const h = create();
      for (let o = 0; o < size; o += 65_537) h.update(input.subarray(o, o + 65_537));
      expect(toHex(h.digest())).toBe(expected);
    }
  });

  it('is spent after digest', () => {
    if (!create) throw new Error('sodium-native did not load');
    const h = create();
    h.digest();
    expect(() => h.update(new Uint8Array(1))).toThrow(/already finished/u);
    expect(() => h.digest()).toThrow(/already finished/u);
  });
});
