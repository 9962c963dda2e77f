// Test helpers for the engine's suites (in-process and two-process). Not part of the SDK API.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { CryptoBackend } from '../crypto/backend.ts';
import { generateDeviceIdentity } from '../crypto/keys.ts';
import type { OpenIncomingOptions } from './incoming-offer.ts';
import type { SenderOptions } from './sender.ts';

/** Deterministic identities, so two processes agree on keys without exchanging them. */
export function testIdentities(backend: CryptoBackend): {
  sender: SenderOptions['sender'];
  recipient: SenderOptions['recipient'];
  receiver: OpenIncomingOptions;
} {
  const a = generateDeviceIdentity(new Uint8Array(32).fill(1));
  const b = generateDeviceIdentity(new Uint8Array(32).fill(2));
  return {
    sender: { userId: 'u_alice', deviceId: 'd_laptop', keys: a },
    recipient: { userId: 'u_bob', deviceId: 'd_phone', x25519PublicKey: b.x25519.publicKey },
    receiver: {
      me: { userId: 'u_bob', deviceId: 'd_phone', keys: b },
      sender: { userId: 'u_alice', deviceId: 'd_laptop', ed25519PublicKey: a.ed25519.publicKey },
      backend,
    },
  };
}

/** SHA-256 of a file, streamed (files here reach 100 MB). */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}
