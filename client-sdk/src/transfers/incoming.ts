// Node-only: the receiving side — an offer shown before anything is written, accept/decline,
// WebRTC as the answering side, resume from the progress record, and re-offers after a lost
// connection (the same receiver continues on a new session).
import type { DeviceAddress } from '@hypersend/protocol';
import { fromBase64Url, randomBytes, toBase64Url } from '../encoding.ts';
import { HypersendError } from '../errors.ts';
import { Emitter } from '../events.ts';
import { IncomingOffer } from '../transfer/incoming-offer.ts';
import { peerSessionChannel } from '../transfer/peer-channel.ts';
import type { TransferReceiver } from '../transfer/receiver.ts';
import type { PeerSession } from '../webrtc/peer-session.ts';
import { fromEngineError } from './engine-errors.ts';
import { type RelayDelivery, relayDownloadChannel, runRelayReceiver } from './relay-incoming.ts';
import { bounded, closeAfterGoodbye, type TransferContext } from './transfer-context.ts';
import { control, type TransferControl } from './transfer-control.ts';
import { cancelled, Transfer } from './transfer-handle.ts';

/** Who offers: the user and the device, as verified through the key directory. */
export interface OfferSender {
  userId: string;
  username: string;
  deviceId: string;
  deviceName: string;
}

/** Options of {@link IncomingTransfer.accept}. */
export interface ReceiveOptions {
  /** Folder to receive into; nothing is written outside it. */
  dir: string;
  /** Replace existing files. Default false: an existing name fails with `file_exists` first. */
  overwrite?: boolean;
  /**
   * Privacy: turn-only ICE through TURN, so the sender never learns this device's IP address.
   * Fails with `unsupported` when the server has no TURN. Default false.
   */
  turnOnly?: boolean;
}

/** Events of an {@link IncomingTransfer} before it is accepted. */
export type IncomingTransferEvents = {
  /** The sender withdrew the offer (or gave up waiting) before it was answered. */
  cancelled: HypersendError;
};

/**
 * An offer from a contact's device: who, what (names and sizes) — verified and decrypted, nothing
 * written yet. Answer with {@link accept} or {@link decline}.
 *
 * @example
 * client.on('offer', async (offer) => {
 *   console.log(`${offer.sender.username} sends`, offer.files.map((f) => `${f.path} (${f.size} B)`));
 *   const t = offer.accept({ dir: './Downloads' });
 *   t.on('progress', (p) => console.log(p.bytes, '/', p.total));
 *   await t.result;
 * });
 */
export class IncomingTransfer extends Emitter<IncomingTransferEvents> {
  readonly transferId: string;
  readonly kind: 'files' | 'stream';
  /** Names as the sender wrote them (sanitized before writing) and sizes (`undefined` for a stream). */
  readonly files: ReadonlyArray<{ path: string; size: number | undefined }>;
  readonly totalSize: number | undefined;
  /** Plaintext bytes per chunk, as the sender sealed it in the manifest. */
  readonly chunkSize: number;
  /** How the content comes: `peer` (WebRTC, the sender is online) or `relay` (stored, sender may be gone). */
  readonly via: 'peer' | 'relay';
  #answered = false;
  #unroute: () => void;

  /** @internal made by the transfer service. */
  constructor(
    private readonly ctx: TransferContext,
    readonly sender: OfferSender,
    private readonly offer: IncomingOffer,
    private readonly delivery?: RelayDelivery,
  ) {
    super();
    this.via = delivery === undefined ? 'peer' : 'relay';
    this.transferId = offer.transferId;
    this.kind = offer.kind;
    this.files = offer.files;
    this.totalSize = offer.totalSize;
    this.chunkSize = offer.chunkSize;
    this.#unroute = ctx.route(this.transferId, this.#peer, (msg) => {
      if (msg.t !== 'cancel' || this.#answered) return;
      this.#answered = true;
      this.#unroute();
      this.emit('cancelled', cancelled('remote', 'sender', msg.reason));
    });
  }

  get #peer(): DeviceAddress {
    return { user: this.sender.userId, device: this.sender.deviceId };
  }

  /**
   * Accept into `dir`. Names are validated and existing files refused (unless `overwrite`) before
   * anything is written; a `.part` left by an earlier attempt of the same transfer is resumed.
   *
   * @example
   * const t = offer.accept({ dir: '/home/me/Downloads' });
   * await t.result;
   */
  accept(o: ReceiveOptions): Transfer {
    const t = new Transfer('receiver');
    t.transferId = this.transferId;
    t.chunkSize = this.chunkSize;
    if (this.#answered) {
      t.fail(new HypersendError('invalid_argument', 'offer already answered or withdrawn'));
      return t;
    }
    this.#answered = true;
    this.#unroute();
    const run = this.delivery
      ? runRelayReceiver(this.ctx, t, this.offer, o, this.delivery)
      : runReceiver(this.ctx, t, this.#peer, this.offer, o);
    run.catch((err: unknown) => {
      t.fail(HypersendError.is(err) ? err : new HypersendError('io', String(err), { cause: err }));
    });
    return t;
  }

  /**
   * Decline: the sender's transfer fails with `declined`. Nothing was written.
   *
   * @example
   * await offer.decline();
   */
  async decline(reason = 'user'): Promise<void> {
    if (this.#answered) return;
    this.#answered = true;
    this.#unroute();
    this.offer.decline();
    // A relay delivery's sender may be long gone: declining frees the relay's copy instead.
    if (this.delivery) return this.delivery.discard();
    await this.ctx.sendControl(this.#peer, this.transferId, control({ t: 'decline', reason }));
  }
}

/**
 * Open an offer from `from` after verifying the sender device's keys through the key directory
 * (trust on first use; a changed key is refused with `key_changed`).
 *
 * @internal
 * @throws HypersendError `not_reachable` (not a contact), `key_changed`, `seal_invalid`, `bad_manifest`.
 */
export async function openIncoming(
  ctx: TransferContext,
  from: DeviceAddress,
  envelope: unknown,
  delivery?: RelayDelivery,
): Promise<IncomingTransfer> {
  const { client } = ctx;
  const me = client.me;
  const device = client.device;
  if (me === undefined || device === undefined) throw new HypersendError('not_connected', 'not connected');
  const contact = (await client.contacts.list()).find(
    (c) => c.userId === from.user && c.state === 'accepted',
  );
  if (contact === undefined)
    throw new HypersendError('not_reachable', `offer from a non-contact ${from.user}`);
  const devices = await client.keys.devicesOf(contact.username);
  const d = devices.find((x) => x.deviceId === from.device);
  if (d === undefined)
    throw new HypersendError('not_found', `${contact.username} has no device ${from.device}`);
  client.keys.assertSendable(d.userId, d.deviceId); // not blocked: the server's key is the pinned key
  const offer = await IncomingOffer.open(envelope, {
    me: { userId: me.userId, deviceId: device.deviceId, keys: device },
    sender: { userId: d.userId, deviceId: d.deviceId, ed25519PublicKey: fromBase64Url(d.ed25519) },
    backend: await ctx.backend(),
  });
  return new IncomingTransfer(
    ctx,
    { userId: d.userId, username: contact.username, deviceId: d.deviceId, deviceName: d.name },
    offer,
    delivery,
  );
}

async function runReceiver(
  ctx: TransferContext,
  t: Transfer,
  peer: DeviceAddress,
  offer: IncomingOffer,
  o: ReceiveOptions,
): Promise<void> {
  let rx: TransferReceiver;
  try {
    rx = await offer.accept({
      dir: o.dir,
      overwrite: o.overwrite ?? false,
      reconnectTimeoutMs: ctx.reconnectTimeoutMs,
    });
  } catch (err) {
    // Refused before any byte (existing file, unsafe name): the sender must not wait for us.
    const code = HypersendError.is(err) ? err.code : 'io';
    await bounded(ctx.sendControl(peer, offer.transferId, control({ t: 'decline', reason: code })), 3000);
    throw err;
  }
  let session: PeerSession | undefined;
  let giveUp: ReturnType<typeof setTimeout> | undefined;
  const relayWaiters = ctx.relayWaiters;
  const finish = (): void => {
    unroute();
    relayWaiters?.delete(offer.transferId);
    clearTimeout(giveUp);
    session?.close();
  };
  const fail = (err: HypersendError): void => {
    t.fail(err);
    finish();
  };
  const connect = async (): Promise<void> => {
    // Replaced: the peer has moved on to the new session, so no goodbye on the old one.
    session?.close({ goodbye: false });
    const sid = `s_${toBase64Url(randomBytes(12))}`;
    const s = await ctx.openSession(peer, sid, false, o.turnOnly === true);
    session = s;
    await ctx.sendControl(peer, offer.transferId, control({ t: 'accept', session: sid }));
    try {
      await s.ready;
    } catch (err) {
      // The sender sees the failure too and re-offers; give up when its window is over.
      clearTimeout(giveUp);
      giveUp = setTimeout(
        () => fail(HypersendError.is(err) ? err : new HypersendError('peer_connection_failed', String(err))),
        ctx.reconnectTimeoutMs,
      );
      (giveUp as { unref?: () => void }).unref?.();
      return;
    }
    clearTimeout(giveUp);
    if (!t.active) return s.close();
    rx.attach(peerSessionChannel(s));
    s.selectedPath().then(
      (path) => t.report('connected', { path }),
      () => t.report('connected', { path: undefined }),
    );
  };
  const onControl = (msg: TransferControl): void => {
    switch (msg.t) {
      case 'offer':
        // The sender re-offers after a lost connection: continue this receiver on a new session.
        if (t.active)
          connect().catch((err: unknown) =>
            fail(HypersendError.is(err) ? err : new HypersendError('io', String(err))),
          );
        return;
      case 'cancel':
        t.fail(cancelled('remote', 'sender', msg.resumable ? 'interrupted' : msg.reason));
        // Resumable: leave `.part` and the progress record; the process (or the app) moves on.
        // Otherwise the engine's CANCEL frame (or its own reconnect timeout) cleans up.
        if (msg.resumable) {
          rx.interrupt();
          finish();
        } else unroute();
        return;
      case 'accept':
      case 'decline':
        return;
    }
  };
  const unroute = ctx.route(offer.transferId, peer, onControl);
  // The sender may finish through the relay while we wait for a new connection: continue from it.
  relayWaiters?.set(offer.transferId, (d) => {
    if (!t.active || d.notice.from.user !== peer.user || d.notice.from.device !== peer.device) return false;
    clearTimeout(giveUp);
    session?.close();
    session = undefined;
    relayDownloadChannel(offer, d).then(
      (channel) => {
        rx.attach(channel);
        t.report('connected', { path: 'relay' });
      },
      (err: unknown) => fail(HypersendError.is(err) ? err : new HypersendError('io', String(err))),
    );
    return true;
  });
  rx.on('progress', (p) => t.report('progress', p));
  rx.on('done', (r) => {
    // The sender closes the channel once it has our final ACK and DONE; closing (or exiting)
    // first could drop them from the channel's buffer and leave the sender waiting.
    const s = session;
    const closed = new Promise<void>((res) => {
      if (!s?.connected) return res();
      s.on('close', () => res());
      setTimeout(res, 5000).unref?.();
    });
    void closed.then(() => {
      t.succeed(r);
      finish();
    });
  });
  rx.on('error', (e) => {
    t.fail(fromEngineError(e, 'receiver'));
    const s = session;
    session = undefined; // `finish` must not close it before the engine's goodbye has left
    finish();
    closeAfterGoodbye(s);
  });
  t.bind({
    cancel: async (message) => {
      t.fail(cancelled('local', 'receiver', 'user'));
      await bounded(
        ctx.sendControl(peer, offer.transferId, control({ t: 'cancel', reason: 'user', resumable: false })),
        3000,
      );
      rx.cancel(message);
      finish();
    },
    interrupt: async () => {
      t.fail(cancelled('local', 'receiver', 'interrupted'));
      await bounded(
        ctx.sendControl(
          peer,
          offer.transferId,
          control({ t: 'cancel', reason: 'interrupted', resumable: true }),
        ),
        3000,
      );
      rx.interrupt(); // commits what arrived; `.part` and the progress record stay
      finish();
    },
  });
  await connect();
}
