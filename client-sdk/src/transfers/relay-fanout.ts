// Node and browsers: a relay-bound transfer is sealed to every current device of the recipient,
// not just one, so whichever device connects first picks it up (FORMAT.md §8, envelope set). The
// ciphertext is uploaded once; only the ~200-byte sealed keys multiply. The sender engine calls
// `sealKey` once with the transfer key, before it wipes it (TransferSender `onTransferKey`).
import type { ContactDevice } from '../contacts/key-directory.ts';
import { secretsOf } from '../crypto/device-secrets.ts';
import { manifestDigest, sealTransferKey } from '../crypto/key-seal.ts';
import { fromBase64Url, toBase64Url } from '../encoding.ts';
import { HypersendError } from '../errors.ts';
import { MAX_RELAY_RECIPIENT_DEVICES } from '../relay/envelope-set.ts';
import type { OfferEnvelope, SenderIdentity } from '../transfer/offer.ts';
import type { TransferContext } from './transfer-context.ts';

/**
 * The recipient device a relay transfer is sealed to first (the offer's own recipient): the one
 * asked for (id or name), else their first registered device whose key is not blocked. Devices
 * whose changed key was not accepted get nothing; if every device is blocked the first is
 * returned, and the caller's `assertSendable` refuses it with `key_changed`.
 *
 * @throws HypersendError `not_reachable` (no devices), `not_found` (no such device).
 */
export async function pickRelayDevice(
  ctx: TransferContext,
  to: string,
  wanted: string | undefined,
): Promise<ContactDevice> {
  const devices = await ctx.client.keys.devicesOf(to);
  if (wanted !== undefined) {
    const d = devices.find((x) => x.deviceId === wanted) ?? devices.find((x) => x.name === wanted);
    if (d === undefined) throw new HypersendError('not_found', `${to} has no device ${wanted}`);
    return d;
  }
  const first = devices.find((d) => !d.blocked) ?? devices[0];
  if (first === undefined) throw new HypersendError('not_reachable', `${to} has no devices`);
  return first;
}

/**
 * The other devices of a relay-bound transfer and their envelopes.
 *
 * @example
 * const fanOut = await RelayFanOut.lookup(ctx, 'bob', primary, me);
 * const tx = await TransferSender.create({ ..., onTransferKey: fanOut.sealKey });
 * const offers = fanOut.offers(tx.offer); // primary first, then one per other device
 */
export class RelayFanOut {
  #sealed: OfferEnvelope[] = [];

  private constructor(
    /** Devices besides the primary that get the key: current, not blocked, bounded. */
    readonly others: readonly ContactDevice[],
    private readonly sender: SenderIdentity,
  ) {}

  /**
   * Every device of `to` except `primary` that may receive: blocked devices (changed key, not
   * accepted) are left out, and at most {@link MAX_RELAY_RECIPIENT_DEVICES} - 1 others in the key
   * directory's order are taken (beyond that, devices get no key and no notice).
   */
  static async lookup(
    ctx: TransferContext,
    to: string,
    primary: ContactDevice,
    sender: SenderIdentity,
  ): Promise<RelayFanOut> {
    const devices = await ctx.client.keys.devicesOf(to);
    const eligible = devices.filter(
      (d) => !d.blocked && d.userId === primary.userId && d.deviceId !== primary.deviceId,
    );
    const others = eligible.slice(0, MAX_RELAY_RECIPIENT_DEVICES - 1);
    if (others.length < eligible.length)
      ctx.log.warn(
        { devices: eligible.length + 1, sealedTo: MAX_RELAY_RECIPIENT_DEVICES },
        'recipient has more devices than a relay object is sealed to: the rest cannot pick it up',
      );
    return new RelayFanOut(others, sender);
  }

  /**
   * Seal `key` (the transfer key behind `offer`) to every other device. The signature binds each
   * seal to its device and to the same encrypted manifest. Does not keep `key`.
   */
  readonly sealKey = async (key: Uint8Array, offer: OfferEnvelope): Promise<void> => {
    const digest = manifestDigest(fromBase64Url(offer.encryptedManifest));
    const secrets = secretsOf(this.sender.keys);
    const sealed: OfferEnvelope[] = [];
    for (const d of this.others) {
      const seal = await sealTransferKey({
        transferKey: key,
        transferId: offer.transferId,
        manifestDigest: digest,
        sender: { userId: this.sender.userId, deviceId: this.sender.deviceId, secrets },
        recipient: { userId: d.userId, deviceId: d.deviceId, x25519PublicKey: fromBase64Url(d.x25519) },
      });
      sealed.push({
        ...offer,
        recipient: { userId: d.userId, deviceId: d.deviceId },
        sealedKey: toBase64Url(seal),
      });
    }
    this.#sealed = sealed;
  };

  /**
   * `primary` (the sender engine's own offer) followed by the envelopes {@link sealKey} made for
   * it. A sender restored from its record never calls `sealKey`: then only `primary`.
   */
  offers(primary: OfferEnvelope): OfferEnvelope[] {
    const mine = this.#sealed.filter((o) => o.transferId === primary.transferId);
    return [primary, ...mine];
  }
}
