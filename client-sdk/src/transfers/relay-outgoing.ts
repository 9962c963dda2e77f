// Node and browsers: the sender's store-and-forward fallback. Decides when the relay takes over
// (recipient offline, no connection within a bounded time, a connection that stays dead, or
// `relay: 'only'`) and then feeds the same TransferSender into a relay upload from its last
// acknowledged chunk. The upload's location is kept in memory (a lost connection or a failed
// channel continues from the relay's offset) and, in Node with a stateDir, on disk (a restarted
// process continues it); browsers have no stateDir (package.json "browser" map: no-resume.ts).
import { HypersendError } from '../errors.ts';
import { devicesInHeader, envelopeSetOf } from '../relay/envelope-set.ts';
import { encodeObjectHeader } from '../relay/object-format.ts';
import { RelayUploadChannel } from '../relay/upload-channel.ts';
import type { OfferEnvelope } from '../transfer/offer.ts';
import type { TransferSender } from '../transfer/sender.ts';
import type { RelayAccess } from './relay-access.ts';
import { deleteRelayState, loadRelayState, type SavedRelayUpload, saveRelayState } from './relay-state.ts';
import type { TransferContext } from './transfer-context.ts';
import type { Transfer } from './transfer-handle.ts';

/** `allowed` (default): peer-to-peer first, the relay when that fails; `never`; `only`. */
export type RelayMode = 'allowed' | 'never' | 'only';

/** Default wait for a usable peer connection (after accept, or after losing one) before relaying. */
export const DEFAULT_RELAY_AFTER_MS = 20_000;

/** Fresh relay channels after failures, per transfer. */
const MAX_RESTARTS = 3;

/** How long the relay announces an object: the relay's default object lifetime. */
const NOTICE_LIFETIME_MS = 7 * 86_400_000;

/** What {@link RelayFallback} needs from the outgoing driver. */
export interface RelayFallbackOptions {
  ctx: TransferContext;
  relay: RelayAccess | undefined;
  t: Transfer;
  tx: TransferSender;
  recipient: { userId: string; deviceId: string };
  /**
   * The envelopes a new relay object is sealed with: `tx.offer` first, then one per other device
   * of the recipient (relay-fanout.ts). Default: `tx.offer` alone (a transfer that began
   * peer-to-peer stays with the device that accepted it: only it has the earlier chunks).
   */
  offers?: () => readonly OfferEnvelope[];
  mode: RelayMode;
  afterMs: number;
  /** Stop everything peer-to-peer (re-offers, timers, the session): the relay has the transfer now. */
  onTakeover(): void;
}

/**
 * One outgoing transfer's relay fallback.
 *
 * @example
 * const relay = new RelayFallback({ ctx, relay, t, tx, recipient, mode, afterMs, onTakeover });
 * if (recipientOffline) await relay.start('recipient offline');
 * // on accept / lost connection: relay.arm(); once connected: relay.disarm();
 */
export class RelayFallback {
  readonly #o: RelayFallbackOptions;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #active = false;
  /** The upload's location and header, also kept here for clients without a state folder. */
  #state: SavedRelayUpload | undefined;
  #restarts = 0;
  /** Devices told about the object: a retried or restarted announcement skips them. */
  readonly #announced = new Set<string>();

  constructor(o: RelayFallbackOptions) {
    this.#o = o;
    o.tx.on('done', () => this.#forget());
    o.tx.on('error', (e) => {
      this.disarm();
      if (!HypersendError.is(e, 'cancelled') || e.details?.reason !== 'interrupted') this.#forget();
    });
  }

  /** True once the relay carries the transfer: the peer path must stay quiet. */
  get active(): boolean {
    return this.#active;
  }

  /** Whether this transfer may use the relay at all. */
  get allowed(): boolean {
    return this.#o.mode !== 'never' && this.#o.relay !== undefined && this.#o.tx.layout !== undefined;
  }

  /** An upload from an earlier run of this transfer exists: continue it rather than start over. */
  async hasUpload(): Promise<boolean> {
    const dir = this.#o.ctx.stateDir;
    if (!this.allowed || dir === undefined) return false;
    return (await loadRelayState(dir, this.#o.tx.transferId)) !== undefined;
  }

  /** Start the timer: unless {@link disarm}ed in time, the relay takes over. */
  arm(): void {
    if (!this.allowed || this.#active || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.start('no peer connection').catch((err: unknown) =>
        this.#o.t.fail(HypersendError.is(err) ? err : new HypersendError('io', String(err))),
      );
    }, this.#o.afterMs);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  disarm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Hand the transfer to the relay: upload the chunks from the last acknowledged one (or continue
   * an earlier upload from the relay's offset, with the header it began with), then announce the
   * object to every device its header is sealed to.
   *
   * @throws HypersendError `unsupported` for a stream (its length is unknown), `relay_unavailable`.
   */
  async start(reason: string): Promise<void> {
    const { ctx, relay, t, tx, recipient } = this.#o;
    if (this.#active || !t.active || !tx.active) return;
    const layout = tx.layout;
    if (relay === undefined || layout === undefined)
      throw new HypersendError('unsupported', 'only files (not streams) can go through the relay');
    this.disarm();
    this.#active = true;
    this.#o.onTakeover();
    const me = ctx.client.me;
    const device = ctx.client.device;
    if (me === undefined || device === undefined) throw new HypersendError('not_connected', 'not connected');
    const stateDir = ctx.stateDir;
    const resume =
      this.#state ?? (stateDir === undefined ? undefined : await loadRelayState(stateDir, tx.transferId));
    ctx.log.info(
      { transferId: tx.transferId, reason, resume: resume !== undefined },
      'sending through the relay',
    );
    // An upload begun before the fan-out (record v1, no header) was written with the version-1
    // header of the one offer, which re-encodes byte-identically.
    const header =
      resume === undefined
        ? encodeObjectHeader(envelopeSetOf(this.#o.offers?.() ?? [tx.offer]))
        : (resume.header ?? encodeObjectHeader(tx.offer, 1));
    const devices = devicesInHeader(header);
    ctx.log.info({ transferId: tx.transferId, devices: devices.length }, 'relay object sealed to devices');
    const tus = await relay.tus();
    const channel = new RelayUploadChannel({
      tus,
      header,
      transferId: tx.transferId,
      recipient: recipient.userId,
      layout,
      firstChunk: tx.acknowledged,
      ...(resume === undefined ? {} : { resume }),
      saveState: async (s) => {
        this.#state = { ...s, header };
        if (stateDir !== undefined) await saveRelayState(stateDir, tx.transferId, { ...s, header });
      },
      onComplete: async ({ objectId, size }) => {
        // One notice per device. Retried as a whole on a transient failure: `#announced` keeps a
        // retry from notifying a device twice. A device removed since sealing (not_reachable)
        // is skipped; the transfer fails only if no device at all could be told.
        let reached = 0;
        let refused: unknown;
        for (const to of devices) {
          if (this.#announced.has(to.device)) {
            reached++;
            continue;
          }
          try {
            await relay.announce({
              to,
              senderDevice: device.deviceId,
              transferId: tx.transferId,
              objectId,
              size,
              expiresAt: Date.now() + NOTICE_LIFETIME_MS,
            });
            this.#announced.add(to.device);
            reached++;
          } catch (err) {
            if (!HypersendError.is(err, 'not_reachable', 'not_found')) throw err;
            ctx.log.warn({ transferId: tx.transferId, device: to.device }, 'recipient device not reachable');
            refused ??= err;
          }
        }
        if (reached === 0) throw refused;
      },
    });
    tx.attach(channel);
    t.report('connected', { path: 'relay' });
    await channel.open();
  }

  /**
   * The relay channel failed (relay down longer than the channel's own retries): attach a fresh
   * one that continues from the relay's offset, a few times, before the engine gives up.
   */
  restart(): void {
    if (!this.#active || this.#restarts >= MAX_RESTARTS) return;
    this.#restarts++;
    this.#active = false;
    setTimeout(() => {
      this.start('relay channel lost').catch((err: unknown) =>
        this.#o.t.fail(HypersendError.is(err) ? err : new HypersendError('io', String(err))),
      );
    }, 1000).unref?.();
  }

  #forget(): void {
    this.disarm();
    const dir = this.#o.ctx.stateDir;
    if (dir !== undefined) void deleteRelayState(dir, this.#o.tx.transferId).catch(() => undefined);
  }
}
