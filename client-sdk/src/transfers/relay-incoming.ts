// Node and browsers: the recipient's side of the store-and-forward path. Notices (pushed, or
// listed when the device connects) become ordinary `offer` events. An object is sealed to every
// device of the user (relay-fanout.ts), so the first device to finish acknowledges it and drops
// its siblings' notices; a device that sees a notice whose object is gone drops it silently, and
// one caught mid-download fails `relay_object_gone` with nothing kept. Accepting one downloads the
// object with ranges into the same sink as a peer transfer (Node: a file, resuming a `.part` a
// broken peer transfer left; browsers: the receive target — OPFS, a picked folder or capped memory —
// through browser/transfer-sink.ts), a window of chunks at a time, never the whole object.
import type { RelayNotice } from '@hypersend/protocol';
import type { Logger } from '../api/runtime.ts';
import { HypersendError } from '../errors.ts';
import { layoutChunks } from '../files/chunk-layout.ts';
import { RelayDownloadChannel } from '../relay/download-channel.ts';
import { offerInHeader } from '../relay/envelope-set.ts';
import {
  decodeEnvelope,
  OBJECT_PREFIX_BYTES,
  ObjectLayout,
  readObjectPrefix,
} from '../relay/object-format.ts';
import type { IncomingOffer } from '../transfer/incoming-offer.ts';
import { fromEngineError } from './engine-errors.ts';
import type { ReceiveOptions } from './incoming.ts';
import type { RelayAccess } from './relay-access.ts';
import type { TransferContext } from './transfer-context.ts';
import { cancelled, type Transfer } from './transfer-handle.ts';

/** A relay object behind an offer: where it is and how to let go of it. */
export interface RelayDelivery {
  notice: RelayNotice;
  relay: RelayAccess;
  /** Bytes before the first chunk record (magic, length, envelope). */
  headerBytes: number;
  /** First chunk the object holds. */
  firstChunk: number;
  /**
   * Acknowledge the object (the relay deletes it) and dismiss its notices: this device's and
   * those of the user's other devices, so their lists clean up now rather than on their next look.
   */
  discard(): Promise<void>;
}

/**
 * Watches for relay notices addressed to this device and turns each into an offer, once.
 *
 * @example
 * const inbox = new RelayInbox(ctx, relay, open, log);
 * inbox.start(); // lists on every (re)connect, and takes pushed notices
 */
export class RelayInbox {
  readonly #seen = new Set<string>();
  #unsubs: Array<() => void> = [];

  constructor(
    private readonly ctx: TransferContext,
    private readonly relay: RelayAccess,
    /** Verify the envelope like a peer offer and raise the `offer` event. */
    private readonly open: (notice: RelayNotice, envelope: unknown, delivery: RelayDelivery) => Promise<void>,
    private readonly log: Logger,
  ) {}

  start(): void {
    const client = this.ctx.client;
    this.#unsubs.push(
      client.on('connected', () => void this.poll()),
      client.on('relay-notice', (n) => void this.#take(n)),
    );
  }

  close(): void {
    for (const u of this.#unsubs.splice(0)) u();
  }

  /** List stored notices (also done on every connect). */
  async poll(): Promise<void> {
    const device = this.ctx.client.device;
    if (device === undefined) return; // no device, no notices of its own (#take would drop all)
    try {
      // This device's own listing: the all-devices one is capped at 100 over every device.
      for (const n of await this.relay.notices(device.deviceId)) await this.#take(n);
    } catch (err) {
      this.log.warn({ err }, 'could not list relay notices');
    }
  }

  async #take(n: RelayNotice): Promise<void> {
    const device = this.ctx.client.device;
    const me = this.ctx.client.me;
    if (device === undefined || me === undefined || n.to.device !== device.deviceId) return; // another device's
    if (this.#seen.has(n.objectId)) {
      // The sender announced the same object twice (a retried POST): one offer is enough.
      if (!this.#seen.has(n.id)) await this.relay.dismiss(n.id).catch(() => undefined);
      return;
    }
    this.#seen.add(n.objectId);
    this.#seen.add(n.id);
    try {
      const objects = await this.relay.objects();
      const info = await objects.info(n.objectId);
      if (info.transferId !== n.transferId || info.uploader !== n.from.user)
        throw new HypersendError('seal_invalid', 'relay object does not match its notice');
      const { version, envelopeBytes: len } = readObjectPrefix(
        await objects.read(n.objectId, 0, OBJECT_PREFIX_BYTES - 1),
      );
      const header = decodeEnvelope(
        await objects.read(n.objectId, OBJECT_PREFIX_BYTES, OBJECT_PREFIX_BYTES + len - 1),
      );
      // Version 2: this device's envelope out of the set (seal_invalid if it has none).
      const envelope = offerInHeader(version, header, { userId: me.userId, deviceId: device.deviceId });
      const relay = this.relay;
      const log = this.log;
      // The notice list is capped (100 for this device): what a pickup deleted makes room for more.
      const listAgain = () => void this.poll();
      const delivery: RelayDelivery = {
        notice: n,
        relay,
        headerBytes: OBJECT_PREFIX_BYTES + len,
        firstChunk: info.firstChunk,
        async discard() {
          await (await relay.objects()).ack(n.objectId);
          await relay.dismiss(n.id);
          await dismissSiblings(relay, n).catch((err: unknown) =>
            log.debug({ err, transferId: n.transferId }, 'could not dismiss sibling relay notices'),
          );
          listAgain();
        },
      };
      // A receiver of this transfer is running here (its peer connection was lost): it continues
      // from the relay on its own, no new offer.
      const waiter = this.ctx.relayWaiters?.get(n.transferId);
      if (waiter?.(delivery)) return;
      await this.open(n, envelope, delivery);
    } catch (err) {
      if (HypersendError.is(err, 'not_found')) {
        // Picked up by another device of this user (or this one) or expired: drop the notice
        // quietly, nothing for the app.
        await this.relay.dismiss(n.id).catch(() => undefined);
        return;
      }
      this.#seen.delete(n.objectId); // a transient failure: the next connect tries again
      this.#seen.delete(n.id);
      this.log.warn({ err, transferId: n.transferId }, 'refused a relay delivery');
      if (HypersendError.is(err)) this.ctx.client.reportError(err);
    }
  }
}

/**
 * Dismiss the notices of the same object addressed to this user's other devices (a user may
 * delete any of its own notices). Their devices would drop them anyway once they see the object
 * gone; this spares them the look.
 */
async function dismissSiblings(relay: RelayAccess, n: RelayNotice): Promise<void> {
  for (const other of await relay.notices())
    if (other.objectId === n.objectId && other.id !== n.id) await relay.dismiss(other.id);
}

/**
 * The download channel for a relay delivery of `offer` (record offsets from its manifest).
 *
 * @example
 * rx.attach(await relayDownloadChannel(offer, delivery));
 */
export async function relayDownloadChannel(
  offer: IncomingOffer,
  d: RelayDelivery,
): Promise<RelayDownloadChannel> {
  const layout = layoutChunks(
    offer.files.map((f) => f.size ?? 0),
    offer.chunkSize,
  );
  return new RelayDownloadChannel({
    objects: await d.relay.objects(),
    objectId: d.notice.objectId,
    object: new ObjectLayout(layout, d.headerBytes, d.firstChunk),
    transferId: offer.transferId,
    onComplete: () => d.discard(),
  });
}

/**
 * Receive an accepted relay offer: open the sink (resuming a matching `.part`), then download the
 * chunks from the receiver's durable point with ranges, verify, install, acknowledge.
 *
 * @internal called by `IncomingTransfer.accept`.
 */
export async function runRelayReceiver(
  ctx: TransferContext,
  t: Transfer,
  offer: IncomingOffer,
  o: ReceiveOptions,
  d: RelayDelivery,
): Promise<void> {
  if (offer.kind !== 'files') throw new HypersendError('unsupported', 'streams do not go through the relay');
  const rx = await offer.accept({
    dir: o.dir,
    overwrite: o.overwrite ?? false,
    reconnectTimeoutMs: ctx.reconnectTimeoutMs,
  });
  const channel = await relayDownloadChannel(offer, d);
  rx.on('progress', (p) => t.report('progress', p));
  rx.on('done', (r) => {
    t.succeed(r);
    channel.close();
  });
  let gone: HypersendError | undefined;
  rx.on('error', (e) => {
    // After the engine's cleanup: when the object is gone, the `.part` is deleted by now.
    t.fail(gone ?? fromEngineError(e, 'receiver'));
    channel.close();
  });
  rx.on('disconnected', (err) => {
    // Another device acknowledged the object first (or it expired): there is nothing to wait or
    // resume for. End now (the engine deletes `.part` and record), fail with that code, drop the notice.
    if (!HypersendError.is(err, 'relay_object_gone')) return;
    gone = err;
    rx.cancel('relay object gone');
    void d.relay.dismiss(d.notice.id).catch(() => undefined);
  });
  t.bind({
    cancel: async (message) => {
      t.fail(cancelled('local', 'receiver', 'user'));
      rx.cancel(message);
      await d.discard().catch(() => undefined); // not wanted: the relay frees it now
    },
    interrupt: async () => {
      t.fail(cancelled('local', 'receiver', 'interrupted'));
      rx.interrupt(); // `.part` and progress stay; the next run resumes with a Range
    },
  });
  rx.attach(channel);
  t.report('connected', { path: 'relay' });
}
