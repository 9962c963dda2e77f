// Browser-safe. The offer part of a version-2 relay object (FORMAT.md §8): the encrypted manifest
// once, and the transfer key sealed once per recipient device, so the ciphertext is stored once
// and any of the recipient's devices can pick it up. A device rebuilds its ordinary offer envelope
// (FORMAT.md §3-4) from the shared part and its own sealed key and opens it with the unchanged
// checks: the seal's signature binds the transfer, both devices and the manifest digest, so an
// envelope moved to another device's slot, or a manifest swapped under it, does not open.
import { Id } from '@hypersend/protocol';
import { z } from 'zod';
import { SEALED_KEY_BYTES } from '../crypto/key-seal.ts';
import { HypersendError } from '../errors.ts';
import { OFFER_VERSION, OfferEnvelope } from '../transfer/offer.ts';
import {
  decodeEnvelope,
  OBJECT_PREFIX_BYTES,
  type ObjectVersion,
  readObjectPrefix,
} from './object-format.ts';

/** Version of {@link EnvelopeSet}, written in its `v` field (the object magic says it too). */
export const ENVELOPE_SET_VERSION = 2;

/**
 * Most recipient devices one relay object is sealed to. A user with more devices gets it on the
 * first {@link MAX_RELAY_RECIPIENT_DEVICES} the key directory lists (registration order); the rest
 * get no notice and no key. Bounds the header (≈200 bytes per device) and the notices one send
 * creates against signaling's per-recipient notice limit.
 */
export const MAX_RELAY_RECIPIENT_DEVICES = 16;

/** base64url without padding of a {@link SEALED_KEY_BYTES}-byte sealed key. */
const SEALED_KEY_CHARS = Math.ceil((SEALED_KEY_BYTES * 8) / 6);
const SealedKey = z
  .string()
  .length(SEALED_KEY_CHARS)
  .regex(/^[A-Za-z0-9_-]*$/u);

/** The parts every device's envelope shares, as {@link OfferEnvelope} holds them. */
const Shared = OfferEnvelope.pick({ transferId: true, kind: true, sender: true, encryptedManifest: true });

/**
 * The JSON in a version-2 relay object header.
 *
 * @example
 * const set = EnvelopeSet.parse(JSON.parse(text)); // at the trust boundary; prefer parseEnvelopeSet
 */
export const EnvelopeSet = Shared.extend({
  v: z.literal(ENVELOPE_SET_VERSION),
  /** The recipient user: every device below is one of theirs (the relay lets only them read it). */
  recipientUser: Id,
  devices: z
    .array(z.object({ deviceId: Id, sealedKey: SealedKey }).strict())
    .min(1)
    .max(MAX_RELAY_RECIPIENT_DEVICES),
}).strict();
/** See {@link EnvelopeSet}. */
export type EnvelopeSet = z.infer<typeof EnvelopeSet>;

/**
 * Merge per-device offers of one transfer (same key, id, sender and encrypted manifest; one
 * recipient user) into the set stored in a relay object. The first offer's device comes first.
 *
 * @example
 * const set = envelopeSetOf([tx.offer, ...siblingOffers]);
 * @throws HypersendError `invalid_argument` for no offers, too many, duplicates, or offers that do
 * not belong to one transfer and one recipient user.
 */
export function envelopeSetOf(offers: readonly OfferEnvelope[]): EnvelopeSet {
  const first = offers[0];
  if (first === undefined) throw HypersendError.invalidArgument('no recipient device to seal to');
  if (offers.length > MAX_RELAY_RECIPIENT_DEVICES)
    throw HypersendError.invalidArgument(`at most ${MAX_RELAY_RECIPIENT_DEVICES} recipient devices`);
  const seen = new Set<string>();
  for (const o of offers) {
    const same =
      o.transferId === first.transferId &&
      o.kind === first.kind &&
      o.sender.userId === first.sender.userId &&
      o.sender.deviceId === first.sender.deviceId &&
      o.encryptedManifest === first.encryptedManifest &&
      o.recipient.userId === first.recipient.userId;
    if (!same) throw HypersendError.invalidArgument('offers of different transfers or recipients');
    if (seen.has(o.recipient.deviceId)) throw HypersendError.invalidArgument('a device appears twice');
    seen.add(o.recipient.deviceId);
  }
  return {
    v: ENVELOPE_SET_VERSION,
    transferId: first.transferId,
    kind: first.kind,
    sender: first.sender,
    encryptedManifest: first.encryptedManifest,
    recipientUser: first.recipient.userId,
    devices: offers.map((o) => ({ deviceId: o.recipient.deviceId, sealedKey: o.sealedKey })),
  };
}

/**
 * Validate untrusted header JSON as an {@link EnvelopeSet} (device ids unique).
 *
 * @throws HypersendError `bad_frame`.
 */
export function parseEnvelopeSet(raw: unknown): EnvelopeSet {
  const r = EnvelopeSet.safeParse(raw);
  if (!r.success) throw HypersendError.badFrame(`relay object envelope set: ${r.error.issues[0]?.message}`);
  if (new Set(r.data.devices.map((d) => d.deviceId)).size !== r.data.devices.length)
    throw HypersendError.badFrame('relay object envelope set names a device twice');
  return r.data;
}

/**
 * The offer envelope for `device`, rebuilt from the set: exactly what a peer offer to that
 * device would carry. Still untrusted: the caller opens it with `openOffer`, which checks the seal.
 *
 * @example
 * const env = offerForDevice(set, { userId: me.userId, deviceId: device.deviceId });
 * @throws HypersendError `seal_invalid` when the set holds no key for this device.
 */
export function offerForDevice(
  set: EnvelopeSet,
  device: { userId: string; deviceId: string },
): OfferEnvelope {
  const mine =
    set.recipientUser === device.userId ? set.devices.find((d) => d.deviceId === device.deviceId) : undefined;
  if (mine === undefined) throw HypersendError.sealInvalid('the relay object holds no key for this device');
  return {
    version: OFFER_VERSION,
    transferId: set.transferId,
    kind: set.kind,
    sender: set.sender,
    recipient: { userId: set.recipientUser, deviceId: mine.deviceId },
    sealedKey: mine.sealedKey,
    encryptedManifest: set.encryptedManifest,
  };
}

/** The devices a set was sealed to (whom the sender announces the object to). */
export function devicesOfSet(set: EnvelopeSet): Array<{ user: string; device: string }> {
  return set.devices.map((d) => ({ user: set.recipientUser, device: d.deviceId }));
}

/**
 * The offer envelope for `device` in an object header's JSON of `version`: version 1 holds one
 * envelope (returned as is; `openOffer` refuses it if it names another device), version 2 a set.
 *
 * @throws HypersendError `bad_frame` (malformed set), `seal_invalid` (no key for this device).
 */
export function offerInHeader(
  version: ObjectVersion,
  json: unknown,
  device: { userId: string; deviceId: string },
): unknown {
  return version === 1 ? json : offerForDevice(parseEnvelopeSet(json), device);
}

/**
 * The devices a complete header (prefix and JSON, as the sender wrote it) is sealed to: whom a
 * sender resuming its upload announces the object to.
 *
 * @throws HypersendError `bad_frame`, `bad_manifest` (a version-1 envelope that does not parse).
 */
export function devicesInHeader(header: Uint8Array): Array<{ user: string; device: string }> {
  const { version, envelopeBytes } = readObjectPrefix(header.subarray(0, OBJECT_PREFIX_BYTES));
  if (header.length !== OBJECT_PREFIX_BYTES + envelopeBytes)
    throw HypersendError.badFrame('relay object header length');
  const json = decodeEnvelope(header.subarray(OBJECT_PREFIX_BYTES));
  if (version === 2) return devicesOfSet(parseEnvelopeSet(json));
  const env = OfferEnvelope.safeParse(json);
  if (!env.success) throw HypersendError.badManifest('malformed offer envelope', env.error);
  return [{ user: env.data.recipient.userId, device: env.data.recipient.deviceId }];
}
