import { beforeAll, describe, expect, it } from 'vitest';
import { bytesDeviceSecrets } from '../crypto/device-secrets.ts';
import { generateDeviceIdentity } from '../crypto/keys.ts';
import { loadSodium } from '../crypto/sodium.ts';
import { HypersendError } from '../errors.ts';
import { openChatBody, sealChatBody } from './chat-crypto.ts';

describe('chat body encryption (crypto_box per device)', () => {
  beforeAll(async () => {
    await loadSodium();
  });

  const setup = async () => {
    const alice = generateDeviceIdentity();
    const bob = generateDeviceIdentity();
    const mallory = generateDeviceIdentity();
    const sender = { user: 'u_alice', device: 'd_a', secrets: bytesDeviceSecrets(alice) };
    const [env] = await sealChatBody(
      { conversation: 'c_1', messageId: 'm_1', kind: 'text', text: 'hi bob' },
      sender,
      [{ user: 'u_bob', device: 'd_b', x25519: bob.x25519.publicKey }],
    );
    const params = {
      nonce: env!.nonce,
      box: env!.box,
      conversation: 'c_1',
      messageId: 'm_1',
      kind: 'text' as const,
      sender: { user: 'u_alice', device: 'd_a', x25519: alice.x25519.publicKey },
      recipient: { user: 'u_bob', device: 'd_b', secrets: bytesDeviceSecrets(bob) },
    };
    return { alice, bob, mallory, env: env!, params };
  };

  it('round-trips for the addressed device', async () => {
    const { params, env } = await setup();
    expect(env).toMatchObject({ user: 'u_bob', device: 'd_b' });
    expect(env.box).not.toContain('hi bob');
    expect(await openChatBody(params)).toEqual({
      conversation: 'c_1',
      messageId: 'm_1',
      kind: 'text',
      text: 'hi bob',
    });
  });

  it('uses a fresh nonce for every envelope', async () => {
    const { alice, bob } = await setup();
    const sender = { user: 'u_alice', device: 'd_a', secrets: bytesDeviceSecrets(alice) };
    const to = { user: 'u_bob', device: 'd_b', x25519: bob.x25519.publicKey };
    const [a, b] = await sealChatBody(
      { conversation: 'c', messageId: 'm', kind: 'text', text: 'x' },
      sender,
      [to, to],
    );
    expect(a!.nonce).not.toBe(b!.nonce);
  });

  const refused = async (fn: () => Promise<unknown>) => {
    let err: unknown;
    try {
      await fn();
    } catch (e) {
      err = e;
    }
    expect(HypersendError.is(err, 'decrypt_failed')).toBe(true);
  };

  it('refuses a tampered box, a forged sender key and another device', async () => {
    const { params, mallory } = await setup();
    const flipped = `${params.box.slice(0, 10)}${params.box[10] === 'A' ? 'B' : 'A'}${params.box.slice(11)}`;
    await refused(() => openChatBody({ ...params, box: flipped }));
    await refused(() =>
      openChatBody({ ...params, sender: { ...params.sender, x25519: mallory.x25519.publicKey } }),
    );
    await refused(() =>
      openChatBody({ ...params, recipient: { ...params.recipient, secrets: bytesDeviceSecrets(mallory) } }),
    );
  });

  it('refuses a ciphertext moved to another conversation, message, kind or claimed sender', async () => {
    const { params } = await setup();
    await refused(() => openChatBody({ ...params, conversation: 'c_2' }));
    await refused(() => openChatBody({ ...params, messageId: 'm_2' }));
    await refused(() => openChatBody({ ...params, kind: 'file' }));
    await refused(() => openChatBody({ ...params, sender: { ...params.sender, device: 'd_other' } }));
    await refused(() => openChatBody({ ...params, recipient: { ...params.recipient, device: 'd_other' } }));
  });
});
