// The version-2 relay object header: one encrypted manifest, the transfer key sealed per device.
// Real crypto throughout: every device opens its own envelope with the unchanged offer checks,
// and moved, truncated or foreign pieces fail with typed errors. Version-1 objects still open.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ContactDevice } from '../contacts/key-directory.ts';
import type { CryptoBackend } from '../crypto/backend.ts';
import { loadCryptoBackend } from '../crypto/backend-node.ts';
import { generateDeviceIdentity } from '../crypto/keys.ts';
import { createManifest } from '../crypto/manifest.ts';
import { createStream } from '../crypto/stream.ts';
import { toBase64Url } from '../encoding.ts';
import { HypersendError } from '../errors.ts';
import { IncomingOffer } from '../transfer/incoming-offer.ts';
import { newTransferId, type OfferEnvelope, sealOffer } from '../transfer/offer.ts';
import { RelayFanOut } from '../transfers/relay-fanout.ts';
import type { TransferContext } from '../transfers/transfer-context.ts';
import {
  devicesInHeader,
  type EnvelopeSet,
  envelopeSetOf,
  MAX_RELAY_RECIPIENT_DEVICES,
  offerInHeader,
  parseEnvelopeSet,
} from './envelope-set.ts';
import {
  decodeEnvelope,
  encodeObjectHeader,
  OBJECT_PREFIX_BYTES,
  readObjectPrefix,
} from './object-format.ts';

// Loads libsodium too, which the identities below need at import time.
const backend: CryptoBackend = await loadCryptoBackend();

const alice = generateDeviceIdentity(new Uint8Array(32).fill(1));
const sender = { userId: 'u_alice', deviceId: 'd_alice', keys: alice };
const bobDevices = ['d_phone', 'd_laptop', 'd_tablet'].map((deviceId, i) => ({
  deviceId,
  identity: generateDeviceIdentity(new Uint8Array(32).fill(10 + i)),
}));
const [phone, laptop, tablet] = bobDevices as [
  (typeof bobDevices)[0],
  (typeof bobDevices)[0],
  (typeof bobDevices)[0],
];

function contactDevice(d: (typeof bobDevices)[0], blocked = false): ContactDevice {
  return {
    userId: 'u_bob',
    username: 'bob',
    deviceId: d.deviceId,
    name: d.deviceId,
    x25519: toBase64Url(d.identity.x25519.publicKey),
    ed25519: toBase64Url(d.identity.ed25519.publicKey),
    blocked,
  };
}

/** Just what RelayFanOut.lookup reads from a transfer context. */
function fakeContext(devices: ContactDevice[]): TransferContext {
  const log = { warn: () => undefined, info: () => undefined, debug: () => undefined };
  return { client: { keys: { devicesOf: async () => devices } }, log } as unknown as TransferContext;
}

/** A sealed files offer to the phone, plus the fan-out to the other (unblocked) `devices`. */
async function sealedTransfer(
  devices: ContactDevice[],
): Promise<{ offers: OfferEnvelope[]; fanOut: RelayFanOut }> {
  const transferId = newTransferId();
  const key = new Uint8Array(randomBytes(32));
  const ctx = createStream(backend.aead, key, transferId);
  const manifest = createManifest({
    transferId,
    chunkSize: 65536,
    files: [{ path: 'plan.txt', size: 5, mtime: 0, mode: 0o644, blake2b: '00'.repeat(64) }],
  });
  const offer = await sealOffer(ctx, key, { kind: 'files', manifest }, sender, {
    userId: 'u_bob',
    deviceId: phone.deviceId,
    x25519PublicKey: phone.identity.x25519.publicKey,
  });
  const primary = contactDevice(phone);
  const fanOut = await RelayFanOut.lookup(fakeContext([primary, ...devices]), 'bob', primary, sender);
  await fanOut.sealKey(key, offer);
  return { offers: fanOut.offers(offer), fanOut };
}

function openAs(d: (typeof bobDevices)[0], envelope: unknown): Promise<IncomingOffer> {
  return IncomingOffer.open(envelope, {
    me: { userId: 'u_bob', deviceId: d.deviceId, keys: d.identity },
    sender: { userId: 'u_alice', deviceId: 'd_alice', ed25519PublicKey: alice.ed25519.publicKey },
    backend,
  });
}

/** Header bytes → this device's envelope, as the recipient SDK reads an object. */
function envelopeFromHeader(header: Uint8Array, deviceId: string): unknown {
  const { version, envelopeBytes } = readObjectPrefix(header.subarray(0, OBJECT_PREFIX_BYTES));
  const json = decodeEnvelope(header.subarray(OBJECT_PREFIX_BYTES, OBJECT_PREFIX_BYTES + envelopeBytes));
  return offerInHeader(version, json, { userId: 'u_bob', deviceId });
}

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    if (HypersendError.is(err)) return err.code;
    throw err;
  }
  return 'no error';
}

describe('relay envelope set (object header v2)', () => {
  it('every unblocked device opens its own envelope; the manifest is stored once', async () => {
    const { offers } = await sealedTransfer([contactDevice(laptop), contactDevice(tablet)]);
    const header = encodeObjectHeader(envelopeSetOf(offers));
    const text = Buffer.from(header).toString();
    expect(text.split(offers[0]?.encryptedManifest ?? '?').length - 1).toBe(1);
    expect(devicesInHeader(header).map((d) => d.device)).toEqual(['d_phone', 'd_laptop', 'd_tablet']);
    for (const d of [phone, laptop, tablet]) {
      const opened = await openAs(d, envelopeFromHeader(header, d.deviceId));
      expect(opened.transferId).toBe(offers[0]?.transferId);
      expect(opened.files).toEqual([{ path: 'plan.txt', size: 5 }]);
    }
  });

  it('a blocked device (changed key, not accepted) gets no envelope and cannot open the object', async () => {
    const { offers, fanOut } = await sealedTransfer([contactDevice(laptop), contactDevice(tablet, true)]);
    expect(fanOut.others.map((d) => d.deviceId)).toEqual(['d_laptop']);
    const header = encodeObjectHeader(envelopeSetOf(offers));
    expect(Buffer.from(header).toString()).not.toContain('d_tablet');
    expect(await codeOf(() => envelopeFromHeader(header, tablet.deviceId))).toBe('seal_invalid');
    // Not even by claiming another device's slot: the seal is to that device's key.
    expect(await codeOf(openAs(tablet, envelopeFromHeader(header, laptop.deviceId)))).toBe('seal_invalid');
  });

  it('fans out to at most 16 devices, primary first', async () => {
    const many = Array.from({ length: 20 }, (_, i) => ({
      ...contactDevice(laptop),
      deviceId: `d_extra${i}`,
    }));
    const { offers } = await sealedTransfer(many);
    expect(offers).toHaveLength(MAX_RELAY_RECIPIENT_DEVICES);
    expect(offers[0]?.recipient.deviceId).toBe('d_phone');
    expect(() =>
      envelopeSetOf([...offers, { ...offers[1]!, recipient: { userId: 'u_bob', deviceId: 'd_17' } }]),
    ).toThrow(/at most 16/u);
  });

  it('a swapped, truncated or foreign envelope fails typed', async () => {
    const { offers } = await sealedTransfer([contactDevice(laptop)]);
    const set = envelopeSetOf(offers);
    const [p, l] = set.devices as [EnvelopeSet['devices'][0], EnvelopeSet['devices'][0]];

    // Swapped: the phone's sealed key in the laptop's slot and back.
    const swapped = {
      ...set,
      devices: [
        { ...p, sealedKey: l.sealedKey },
        { ...l, sealedKey: p.sealedKey },
      ],
    };
    expect(
      await codeOf(openAs(phone, offerInHeader(2, swapped, { userId: 'u_bob', deviceId: 'd_phone' }))),
    ).toBe('seal_invalid');
    expect(
      await codeOf(openAs(laptop, offerInHeader(2, swapped, { userId: 'u_bob', deviceId: 'd_laptop' }))),
    ).toBe('seal_invalid');

    // Truncated sealed key, extra fields, a device twice, a wrong version: refused before any crypto.
    const truncated = { ...set, devices: [{ ...p, sealedKey: p.sealedKey.slice(0, -4) }] };
    expect(await codeOf(() => parseEnvelopeSet(truncated))).toBe('bad_frame');
    expect(await codeOf(() => parseEnvelopeSet({ ...set, filename: 'x' }))).toBe('bad_frame');
    expect(await codeOf(() => parseEnvelopeSet({ ...set, devices: [p, p] }))).toBe('bad_frame');
    expect(await codeOf(() => parseEnvelopeSet({ ...set, v: 3 }))).toBe('bad_frame');
    expect(await codeOf(() => parseEnvelopeSet({ ...set, devices: [] }))).toBe('bad_frame');

    // Truncated header bytes: not JSON.
    const header = encodeObjectHeader(set);
    const cut = header.subarray(OBJECT_PREFIX_BYTES, header.length - 10);
    expect(await codeOf(() => decodeEnvelope(cut))).toBe('bad_frame');

    // Another transfer's manifest under these seals: the signature covers the manifest digest.
    const other = await sealedTransfer([contactDevice(laptop)]);
    const foreign = { ...set, encryptedManifest: other.offers[0]?.encryptedManifest ?? '' };
    expect(
      await codeOf(openAs(laptop, offerInHeader(2, foreign, { userId: 'u_bob', deviceId: 'd_laptop' }))),
    ).toBe('seal_invalid');
    // Another user's slot.
    expect(await codeOf(() => offerInHeader(2, set, { userId: 'u_eve', deviceId: 'd_phone' }))).toBe(
      'seal_invalid',
    );
    // Offers of two transfers do not merge.
    expect(await codeOf(() => envelopeSetOf([offers[0]!, other.offers[1]!]))).toBe('invalid_argument');
  });

  it('old single-envelope objects (HSR1) still open on their device, and only there', async () => {
    const { offers } = await sealedTransfer([]);
    const header = encodeObjectHeader(offers[0], 1);
    expect(Buffer.from(header.subarray(0, 4)).toString()).toBe('HSR1');
    expect(devicesInHeader(header)).toEqual([{ user: 'u_bob', device: 'd_phone' }]);
    const opened = await openAs(phone, envelopeFromHeader(header, phone.deviceId));
    expect(opened.files).toEqual([{ path: 'plan.txt', size: 5 }]);
    expect(await codeOf(openAs(laptop, envelopeFromHeader(header, laptop.deviceId)))).toBe('seal_invalid');
  });
});
