// The two DeviceSecrets implementations (libsodium over bytes; non-extractable WebCrypto keys)
// must be indistinguishable to peers: same signatures, same box keys, and each opens what the
// other sealed. Node 20's WebCrypto has X25519 and Ed25519, so both run here.
import { beforeAll, describe, expect, it } from 'vitest';
import { type KeyVectors, readVectors } from '../../test/vectors.ts';
import { openChatBody, sealChatBody } from '../chat/chat-crypto.ts';
import { fromHex, toHex } from '../encoding.ts';
import { HypersendError } from '../errors.ts';
import { bytesDeviceSecrets, type DeviceSecrets } from './device-secrets.ts';
import {
  generateWebCryptoDeviceKeys,
  importWebCryptoDeviceKeys,
  webCryptoDeviceKeysSupported,
  webCryptoDeviceSecrets,
} from './device-secrets-webcrypto.ts';
import { manifestDigest, openTransferKey, sealTransferKey } from './key-seal.ts';
import { type DeviceIdentity, generateDeviceIdentity } from './keys.ts';
import { loadSodium, sodiumSync } from './sodium.ts';

const v = readVectors<KeyVectors>('keys.json');

/** A copy: the import must not depend on (or be disturbed by) the caller wiping its bytes. */
const copyOf = (id: DeviceIdentity): DeviceIdentity => ({
  x25519: { publicKey: id.x25519.publicKey.slice(), secretKey: id.x25519.secretKey.slice() },
  ed25519: { publicKey: id.ed25519.publicKey.slice(), secretKey: id.ed25519.secretKey.slice() },
});

describe('DeviceSecrets: libsodium bytes and WebCrypto keys agree byte for byte', () => {
  let alice: DeviceIdentity;
  let bob: DeviceIdentity;
  let aliceBytes: DeviceSecrets;
  let aliceWeb: DeviceSecrets;
  let bobBytes: DeviceSecrets;
  let bobWeb: DeviceSecrets;

  beforeAll(async () => {
    await loadSodium();
    expect(await webCryptoDeviceKeysSupported()).toBe(true);
    alice = generateDeviceIdentity(fromHex(v.alice.seed));
    bob = generateDeviceIdentity(fromHex(v.bob.seed));
    aliceBytes = bytesDeviceSecrets(alice);
    bobBytes = bytesDeviceSecrets(bob);
    aliceWeb = webCryptoDeviceSecrets(await importWebCryptoDeviceKeys(copyOf(alice)));
    bobWeb = webCryptoDeviceSecrets(await importWebCryptoDeviceKeys(copyOf(bob)));
  });

  it('imports non-extractable keys that cannot be exported in any format', async () => {
    const keys = await importWebCryptoDeviceKeys(copyOf(alice));
    for (const k of [keys.x25519.privateKey, keys.ed25519.privateKey]) {
      expect(k.extractable).toBe(false);
      for (const format of ['pkcs8', 'jwk', 'raw'] as const)
        await expect(crypto.subtle.exportKey(format, k)).rejects.toThrow();
    }
    expect(aliceWeb.protection).toBe('non-extractable');
    expect(aliceWeb.x25519PublicKey).toEqual(alice.x25519.publicKey);
  });

  it('signs identically (Ed25519 is deterministic), and the signature verifies', async () => {
    for (const len of [0, 1, 64, 1000]) {
      const msg = sodiumSync().randombytes_buf(len);
      const a = await aliceBytes.sign(msg);
      const b = await aliceWeb.sign(msg);
      expect(toHex(b)).toBe(toHex(a));
      expect(toHex(a)).toBe(toHex(sodiumSync().crypto_sign_detached(msg, alice.ed25519.secretKey)));
      expect(sodiumSync().crypto_sign_verify_detached(b, msg, alice.ed25519.publicKey)).toBe(true);
    }
  });

  it('derives the same box key as crypto_box_beforenm, from either side', async () => {
    const expected = toHex(sodiumSync().crypto_box_beforenm(bob.x25519.publicKey, alice.x25519.secretKey));
    expect(toHex(await aliceBytes.boxKey(bob.x25519.publicKey))).toBe(expected);
    expect(toHex(await aliceWeb.boxKey(bob.x25519.publicKey))).toBe(expected);
    expect(toHex(await bobWeb.boxKey(alice.x25519.publicKey))).toBe(expected);
  });

  it('refuses a low-order peer key in both implementations', async () => {
    const zero = new Uint8Array(32);
    await expect(aliceBytes.boxKey(zero)).rejects.toThrow();
    await expect(aliceWeb.boxKey(zero)).rejects.toThrow();
  });

  it('opens the committed key-seal vector with WebCrypto keys', async () => {
    const key = await openTransferKey({
      sealed: fromHex(v.seal.sealed),
      transferId: v.seal.transferId,
      manifestDigest: fromHex(v.seal.manifestDigest),
      sender: { userId: 'u_alice', deviceId: 'd_laptop', ed25519PublicKey: alice.ed25519.publicKey },
      recipient: { userId: 'u_bob', deviceId: 'd_phone', secrets: bobWeb },
    });
    expect(toHex(key)).toBe(v.seal.transferKey);
  });

  it('seals transfer keys that the other implementation (and libsodium seal_open) opens', async () => {
    const pairs: [string, DeviceSecrets, DeviceSecrets][] = [
      ['bytes -> web', aliceBytes, bobWeb],
      ['web -> bytes', aliceWeb, bobBytes],
      ['web -> web', aliceWeb, bobWeb],
    ];
    for (const [name, sender, recipient] of pairs) {
      const transferKey = sodiumSync().randombytes_buf(32);
      const digest = manifestDigest(new Uint8Array([1, 2, 3]));
      const sealed = await sealTransferKey({
        transferKey,
        transferId: 't_x',
        manifestDigest: digest,
        sender: { userId: 'u_alice', deviceId: 'd_laptop', secrets: sender },
        recipient: { userId: 'u_bob', deviceId: 'd_phone', x25519PublicKey: bob.x25519.publicKey },
      });
      const opened = await openTransferKey({
        sealed,
        transferId: 't_x',
        manifestDigest: digest,
        sender: { userId: 'u_alice', deviceId: 'd_laptop', ed25519PublicKey: alice.ed25519.publicKey },
        recipient: { userId: 'u_bob', deviceId: 'd_phone', secrets: recipient },
      });
      expect(toHex(opened), name).toBe(toHex(transferKey));
      // The seal is plain libsodium crypto_box_seal: libsodium's own seal_open reads it too.
      const inner = sodiumSync().crypto_box_seal_open(sealed, bob.x25519.publicKey, bob.x25519.secretKey);
      expect(toHex(inner.subarray(1, 33)), name).toBe(toHex(transferKey));
    }
  });

  it('a WebCrypto recipient refuses a seal for another device as seal_invalid', async () => {
    const mallory = generateDeviceIdentity();
    const sealed = await sealTransferKey({
      transferKey: new Uint8Array(32).fill(1),
      transferId: 't_x',
      manifestDigest: new Uint8Array(32),
      sender: { userId: 'u_alice', deviceId: 'd_laptop', secrets: aliceWeb },
      recipient: { userId: 'u_bob', deviceId: 'd_phone', x25519PublicKey: mallory.x25519.publicKey },
    });
    const err = await openTransferKey({
      sealed,
      transferId: 't_x',
      manifestDigest: new Uint8Array(32),
      sender: { userId: 'u_alice', deviceId: 'd_laptop', ed25519PublicKey: alice.ed25519.publicKey },
      recipient: { userId: 'u_bob', deviceId: 'd_phone', secrets: bobWeb },
    }).catch((e: unknown) => e);
    expect(HypersendError.is(err, 'seal_invalid')).toBe(true);
  });

  it('chat boxes interoperate both ways and equal libsodium crypto_box_open_easy', async () => {
    const body = { conversation: 'c_1', messageId: 'm_1', kind: 'text' as const, text: 'hello' };
    const to = [{ user: 'u_bob', device: 'd_b', x25519: bob.x25519.publicKey }];
    for (const [name, sender, recipient] of [
      ['web -> bytes', aliceWeb, bobBytes],
      ['bytes -> web', aliceBytes, bobWeb],
    ] as const) {
      const [env] = await sealChatBody(body, { user: 'u_alice', device: 'd_a', secrets: sender }, to);
      const opened = await openChatBody({
        nonce: env!.nonce,
        box: env!.box,
        conversation: 'c_1',
        messageId: 'm_1',
        kind: 'text',
        sender: { user: 'u_alice', device: 'd_a', x25519: alice.x25519.publicKey },
        recipient: { user: 'u_bob', device: 'd_b', secrets: recipient },
      });
      expect(opened.text, name).toBe('hello');
    }
  });

  it('generates fresh non-extractable keys whose public keys match their private keys', async () => {
    const keys = await generateWebCryptoDeviceKeys();
    expect(keys.x25519.privateKey.extractable).toBe(false);
    expect(keys.ed25519.privateKey.extractable).toBe(false);
    const web = webCryptoDeviceSecrets(keys);
    const msg = new Uint8Array([1, 2, 3]);
    expect(sodiumSync().crypto_sign_verify_detached(await web.sign(msg), msg, keys.ed25519.publicKey)).toBe(
      true,
    );
    const expected = sodiumSync().crypto_box_beforenm(keys.x25519.publicKey, alice.x25519.secretKey);
    expect(toHex(await web.boxKey(alice.x25519.publicKey))).toBe(toHex(expected));
  });

  it('refuses to import secret keys that do not match the recorded public keys', async () => {
    const bad = copyOf(alice);
    const swapped = { ...bad, x25519: { ...bad.x25519, publicKey: bob.x25519.publicKey } };
    const err = await importWebCryptoDeviceKeys(swapped).catch((e: unknown) => e);
    expect(HypersendError.is(err, 'corrupt_store')).toBe(true);
  });
});
