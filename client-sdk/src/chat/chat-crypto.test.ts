import { beforeAll, describe, expect, it } from 'vitest';
import { generateDeviceIdentity } from '../crypto/keys.ts';
import { loadSodium } from '../crypto/sodium.ts';
import { HypersendError } from '../errors.ts';
import { openChatBody, sealChatBody } from './chat-crypto.ts';

describe('chat body encryption (crypto_box per device)', () => {
  beforeAll(async () => {
    await loadSodium();
  });

  const setup = () => {
    const alice = generateDeviceIdentity();
    const bob = generateDeviceIdentity();
    const mallory = generateDeviceIdentity();
    const sender = { user: 'u_alice', device: 'd_a', x25519Secret: alice.x25519.secretKey };
    const [env] = sealChatBody(
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
      recipient: { user: 'u_bob', device: 'd_b', x25519Secret: bob.x25519.secretKey },
    };
    return { alice, bob, mallory, env: env!, params };
  };

  it('round-trips for the addressed device', () => {
    const { params, env } = setup();
    expect(env).toMatchObject({ user: 'u_bob', device: 'd_b' });
    expect(env.box).not.toContain('hi bob');
    expect(openChatBody(params)).toEqual({
      conversation: 'c_1',
      messageId: 'm_1',
      kind: 'text',
      text: 'hi bob',
    });
  });

  it('uses a fresh nonce for every envelope', () => {
    const { alice, bob } = setup();
    const sender = { user: 'u_alice', device: 'd_a', x25519Secret: alice.x25519.secretKey };
    const to = { user: 'u_bob', device: 'd_b', x25519: bob.x25519.publicKey };
    const [a, b] = sealChatBody({ conversation: 'c', messageId: 'm', kind: 'text', text: 'x' }, sender, [
      to,
      to,
    ]);
    expect(a!.nonce).not.toBe(b!.nonce);
  });

  const refused = (fn: () => unknown) => {
    let err: unknown;
    try {
      fn();
    } catch (e) {
      err = e;
    }
    expect(HypersendError.is(err, 'decrypt_failed')).toBe(true);
  };

  it('refuses a tampered box, a forged sender key and another device', () => {
    const { params, mallory } = setup();
    const flipped = `${params.box.slice(0, 10)}${params.box[10] === 'A' ? 'B' : 'A'}${params.box.slice(11)}`;
    refused(() => openChatBody({ ...params, box: flipped }));
    refused(() =>
      openChatBody({ ...params, sender: { ...params.sender, x25519: mallory.x25519.publicKey } }),
    );
    refused(() =>
      openChatBody({ ...params, recipient: { ...params.recipient, x25519Secret: mallory.x25519.secretKey } }),
    );
  });

  it('refuses a ciphertext moved to another conversation, message, kind or claimed sender', () => {
    const { params } = setup();
    refused(() => openChatBody({ ...params, conversation: 'c_2' }));
    refused(() => openChatBody({ ...params, messageId: 'm_2' }));
    refused(() => openChatBody({ ...params, kind: 'file' }));
    refused(() => openChatBody({ ...params, sender: { ...params.sender, device: 'd_other' } }));
    refused(() => openChatBody({ ...params, recipient: { ...params.recipient, device: 'd_other' } }));
  });
});
