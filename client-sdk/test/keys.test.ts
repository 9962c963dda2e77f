import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { bytesDeviceSecrets } from '../src/crypto/device-secrets.ts';
import {
  manifestDigest,
  type OpenTransferKeyParams,
  openTransferKey,
  sealTransferKey,
} from '../src/crypto/key-seal.ts';
import {
  assertSameIdentity,
  type DeviceIdentity,
  fingerprint,
  generateDeviceIdentity,
  publicIdentity,
  safetyNumber,
} from '../src/crypto/keys.ts';
import { loadSodium } from '../src/crypto/sodium.ts';
import { decodeKey32, fromBase64Url, fromHex, toBase64Url, toHex } from '../src/encoding.ts';
import { HypersendError } from '../src/errors.ts';
import { type KeyVectors, readVectors } from './vectors.ts';

const v = readVectors<KeyVectors>('keys.json');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return HypersendError.is(err) ? err.code : `not a HypersendError: ${String(err)}`;
  }
  return undefined;
}

async function codeOfAsync(fn: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await fn();
  } catch (err) {
    return HypersendError.is(err) ? err.code : `not a HypersendError: ${String(err)}`;
  }
  return undefined;
}

describe('base64url', () => {
  it('matches Node for any bytes, 43 characters for 32 bytes, and round-trips', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        const s = toBase64Url(b);
        expect(s).toBe(Buffer.from(b).toString('base64url'));
        expect(fromBase64Url(s)).toEqual(b);
      }),
    );
    expect(toBase64Url(new Uint8Array(32)).length).toBe(43);
  });

  it('rejects padding, the standard alphabet, impossible lengths and non-canonical tails', () => {
    for (const bad of ['AA==', 'A+B/', 'A', 'AAAAA', 'AB', 'AAB'])
      expect(codeOf(() => fromBase64Url(bad))).toBe('bad_key');
    expect(codeOf(() => decodeKey32('AAAA'))).toBe('bad_key');
  });
});

describe('device identity and safety numbers', () => {
  let alice: DeviceIdentity;
  let bob: DeviceIdentity;
  beforeAll(async () => {
    await loadSodium();
    alice = generateDeviceIdentity(fromHex(v.alice.seed));
    bob = generateDeviceIdentity(fromHex(v.bob.seed));
  });
  const keysOf = (d: DeviceIdentity) => ({ x25519: d.x25519.publicKey, ed25519: d.ed25519.publicKey });

  it('derives the vector keys from the vector seeds, in PublicKey32 form', () => {
    expect(publicIdentity(alice)).toEqual({ x25519: v.alice.x25519, ed25519: v.alice.ed25519 });
    expect(publicIdentity(keysOf(bob))).toEqual({ x25519: v.bob.x25519, ed25519: v.bob.ed25519 });
    expect(v.alice.x25519).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(alice.ed25519.secretKey.length).toBe(64);
  });

  it('random identities differ; a bad seed is an invalid argument', () => {
    expect(toHex(generateDeviceIdentity().x25519.publicKey)).not.toBe(
      toHex(generateDeviceIdentity().x25519.publicKey),
    );
    expect(codeOf(() => generateDeviceIdentity(new Uint8Array(31)))).toBe('invalid_argument');
  });

  it('fingerprints and the safety number match the vectors', () => {
    expect(fingerprint(keysOf(alice), 'u_alice')).toBe(v.alice.fingerprint);
    expect(fingerprint(keysOf(bob), 'u_bob')).toBe(v.bob.fingerprint);
    expect(safetyNumber({ keys: keysOf(alice), id: 'u_alice' }, { keys: keysOf(bob), id: 'u_bob' })).toBe(
      v.safetyNumber,
    );
  });

  it('refuses keys that are not raw 32-byte arrays (e.g. the base64url strings of publicIdentity)', () => {
    const asStrings = publicIdentity(alice) as unknown as { x25519: Uint8Array; ed25519: Uint8Array };
    expect(codeOf(() => fingerprint(asStrings, 'u_alice'))).toBe('invalid_argument');
    expect(codeOf(() => fingerprint({ ...keysOf(alice), x25519: new Uint8Array(31) }))).toBe(
      'invalid_argument',
    );
  });

  it('the safety number is order-independent, 12 groups of 5 digits', () => {
    const a = { keys: keysOf(alice), id: 'u_alice' };
    const b = { keys: keysOf(bob), id: 'u_bob' };
    expect(safetyNumber(b, a)).toBe(safetyNumber(a, b));
    expect(safetyNumber(a, b)).toMatch(/^\d{5}( \d{5}){11}$/);
  });

  it('changes when either key or the stable id changes', () => {
    const base = fingerprint(keysOf(alice), 'u_alice');
    expect(fingerprint(keysOf(alice), 'u_alicf')).not.toBe(base);
    expect(fingerprint({ ...keysOf(alice), x25519: bob.x25519.publicKey }, 'u_alice')).not.toBe(base);
    expect(fingerprint({ ...keysOf(alice), ed25519: bob.ed25519.publicKey }, 'u_alice')).not.toBe(base);
  });

  it('a changed key is surfaced as key_changed', () => {
    expect(
      codeOf(() => assertSameIdentity(keysOf(alice), keysOf(alice), 'u_alice/d_laptop')),
    ).toBeUndefined();
    expect(
      codeOf(() =>
        assertSameIdentity(keysOf(alice), { ...keysOf(alice), ed25519: bob.ed25519.publicKey }, 'x'),
      ),
    ).toBe('key_changed');
  });
});

describe('transfer key seal', () => {
  let alice: DeviceIdentity;
  let bob: DeviceIdentity;
  let mallory: DeviceIdentity;
  let good: OpenTransferKeyParams;
  beforeAll(async () => {
    await loadSodium();
    alice = generateDeviceIdentity(fromHex(v.alice.seed));
    bob = generateDeviceIdentity(fromHex(v.bob.seed));
    mallory = generateDeviceIdentity();
    good = {
      sealed: fromHex(v.seal.sealed),
      transferId: v.seal.transferId,
      manifestDigest: fromHex(v.seal.manifestDigest),
      sender: { userId: 'u_alice', deviceId: 'd_laptop', ed25519PublicKey: alice.ed25519.publicKey },
      recipient: { userId: 'u_bob', deviceId: 'd_phone', secrets: bytesDeviceSecrets(bob) },
    };
  });

  it('opens the committed vector (sealed by the generator) to the vector key', async () => {
    expect(toHex(await openTransferKey(good))).toBe(v.seal.transferKey);
    expect(good.sealed.length).toBe(145);
  });

  it('round-trips and is randomised', async () => {
    const key = new Uint8Array(32).fill(9);
    const p = {
      transferKey: key,
      transferId: 't_2',
      manifestDigest: manifestDigest(new Uint8Array([1, 2, 3])),
      sender: { userId: 'u_alice', deviceId: 'd_laptop', secrets: bytesDeviceSecrets(alice) },
      recipient: { userId: 'u_bob', deviceId: 'd_phone', x25519PublicKey: bob.x25519.publicKey },
    };
    const s1 = await sealTransferKey(p);
    expect(toHex(s1)).not.toBe(toHex(await sealTransferKey(p)));
    expect(
      await openTransferKey({
        sealed: s1,
        transferId: 't_2',
        manifestDigest: p.manifestDigest,
        sender: { userId: 'u_alice', deviceId: 'd_laptop', ed25519PublicKey: alice.ed25519.publicKey },
        recipient: { userId: 'u_bob', deviceId: 'd_phone', secrets: bytesDeviceSecrets(bob) },
      }),
    ).toEqual(key);
  });

  it('cannot be replayed to another transfer, manifest, device or user, nor attributed to another sender', async () => {
    const cases: [string, OpenTransferKeyParams][] = [
      ['other transfer', { ...good, transferId: 't_vector-0002' }],
      ['other manifest', { ...good, manifestDigest: new Uint8Array(32) }],
      ['other recipient device id', { ...good, recipient: { ...good.recipient, deviceId: 'd_tablet' } }],
      ['other recipient user id', { ...good, recipient: { ...good.recipient, userId: 'u_carol' } }],
      ['other sender device id', { ...good, sender: { ...good.sender, deviceId: 'd_phone' } }],
      [
        'other sender key',
        { ...good, sender: { ...good.sender, ed25519PublicKey: mallory.ed25519.publicKey } },
      ],
      [
        'other recipient key',
        { ...good, recipient: { ...good.recipient, secrets: bytesDeviceSecrets(mallory) } },
      ],
    ];
    for (const [name, p] of cases)
      expect(await codeOfAsync(() => openTransferKey(p)), name).toBe('seal_invalid');
  });

  it('any tampering or truncation is seal_invalid', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 145 * 8 - 1 }), async (bit) => {
        const sealed = good.sealed.slice();
        sealed[bit >> 3]! ^= 1 << (bit & 7);
        expect(await codeOfAsync(() => openTransferKey({ ...good, sealed }))).toBe('seal_invalid');
      }),
      { numRuns: 100 },
    );
    expect(await codeOfAsync(() => openTransferKey({ ...good, sealed: good.sealed.subarray(0, 144) }))).toBe(
      'seal_invalid',
    );
  });

  it('a recipient cannot re-seal a key it received as if from the sender (signature names the recipient)', async () => {
    // Bob re-seals Alice's key to Mallory with his own signature: Mallory expects Alice, so it fails.
    const resealed = await sealTransferKey({
      transferKey: fromHex(v.seal.transferKey),
      transferId: v.seal.transferId,
      manifestDigest: fromHex(v.seal.manifestDigest),
      sender: { userId: 'u_alice', deviceId: 'd_laptop', secrets: bytesDeviceSecrets(bob) },
      recipient: { userId: 'u_mallory', deviceId: 'd_1', x25519PublicKey: mallory.x25519.publicKey },
    });
    expect(
      await codeOfAsync(() =>
        openTransferKey({
          ...good,
          sealed: resealed,
          recipient: { userId: 'u_mallory', deviceId: 'd_1', secrets: bytesDeviceSecrets(mallory) },
        }),
      ),
    ).toBe('seal_invalid');
  });
});
