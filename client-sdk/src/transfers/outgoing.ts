// Node-only: the sending side of `client.send` — pick the device, build (or restore) the offer,
// send it through signaling, wait for the answer, negotiate WebRTC, run the engine, re-offer
// after a lost connection so a restarted receiver resumes.

import type { ContactDevice } from '../contacts/key-directory.ts';
import { fromBase64Url } from '../encoding.ts';
import { HypersendError } from '../errors.ts';
import type { ByteStream } from '../files/stream-source.ts';
import { DEFAULT_CHUNK_SIZE } from '../transfer/chunk-size.ts';
import { sendOffer } from '../transfer/offer-parts.ts';
import { assertSendRate } from '../transfer/pacer.ts';
import { peerSessionChannel } from '../transfer/peer-channel.ts';
import { type SendInput as EngineInput, TransferSender } from '../transfer/sender.ts';
import type { PeerSession } from '../webrtc/peer-session.ts';
import { chooseChunkSize } from './chunk-size-query.ts';
import { fromEngineError } from './engine-errors.ts';
import { pickRelayDevice, RelayFanOut } from './relay-fanout.ts';
import { DEFAULT_RELAY_AFTER_MS, RelayFallback, type RelayMode } from './relay-outgoing.ts';
import { findResumable, forgetResumable, inputKey, rememberResumable } from './resume-index.ts';
import { bounded, closeAfterGoodbye, sleep, type TransferContext } from './transfer-context.ts';
import { control } from './transfer-control.ts';
import { cancelled, type Transfer } from './transfer-handle.ts';

/** What `client.send` sends: file or folder paths, or one stream of unknown length (no resume). */
export type SendSource = string | readonly string[] | { stream: ByteStream; name: string; mtimeMs?: number };

/** Options of `client.send`. */
export interface SendOptions {
  /**
   * Device id (or name) of the recipient to send to. Default: the first of their online devices;
   * through the relay from the start (all offline, or `relay: 'only'`), every device of theirs
   * whose key is not blocked, at most 16 (FORMAT.md §8). Given, it is the only device either way.
   */
  device?: string;
  /** How long to wait for accept/decline. Default 120 s; then `offer_timeout`. */
  answerTimeoutMs?: number;
  /**
   * Plaintext bytes per chunk. Default: negotiated with the recipient device before the offer —
   * the smaller of both ends' data-channel limits (255 KiB between libwebrtc/Chromium ends), 64 KiB
   * when it does not answer within 3 s (older clients) or the transfer goes to the relay.
   */
  chunkSize?: number;
  /** Re-offer an unfinished transfer of the same files to the same device. Default true. */
  resume?: boolean;
  /**
   * Privacy: turn-only ICE through TURN, so the recipient never learns this device's IP address.
   * Fails with `unsupported` when the server has no TURN. Default false (direct first, TURN if needed).
   */
  turnOnly?: boolean;
  /**
   * Limit the long-run send rate to this many bytes per second (at least 16 KiB/s), e.g. to leave
   * room on a shared uplink. Default: unlimited.
   */
  maxBytesPerSecond?: number;
  /**
   * Store-and-forward relay: `allowed` (default) sends peer-to-peer and falls back to the relay
   * when the recipient is offline, no connection comes up in `relayAfterMs`, or a lost connection
   * stays lost that long; `never` fails instead (`peer_offline`); `only` never opens a peer
   * connection and uploads straight to the relay.
   */
  relay?: RelayMode;
  /** Wait for a peer connection before the relay takes over. Default 20 s. */
  relayAfterMs?: number;
}

const REOFFER_EVERY_MS = 1000;

/** @internal the body of `client.send`; errors end up on `t`. */
export async function runOutgoing(
  ctx: TransferContext,
  t: Transfer,
  to: string,
  source: SendSource,
  o: SendOptions,
): Promise<void> {
  const { client } = ctx;
  const me = client.me;
  const device = client.device;
  if (me === undefined || device === undefined)
    throw new HypersendError('not_connected', 'call connect() first');
  if (o.maxBytesPerSecond !== undefined) assertSendRate(o.maxBytesPerSecond);
  const relayMode: RelayMode = o.relay ?? 'allowed';
  let recipientOffline = false;
  const target =
    relayMode === 'only'
      ? await pickRelayDevice(ctx, to, o.device)
      : await pickDevice(ctx, to, o.device).catch(async (err: unknown) => {
          // Offline recipient: the relay takes the transfer if there is one and it is allowed.
          if (relayMode === 'never' || !HypersendError.is(err, 'peer_offline')) throw err;
          if ((await ctx.relay?.url().catch(() => undefined)) === undefined) throw err;
          recipientOffline = true;
          return pickRelayDevice(ctx, to, o.device);
        });
  // A changed key blocks here, before any key is sealed to it.
  client.keys.assertSendable(target.userId, target.deviceId);
  const peer = { user: target.userId, device: target.deviceId };
  const senderIdentity = { userId: me.userId, deviceId: device.deviceId, keys: device };
  // Relay-bound from the start and no device asked for: every current device of the recipient
  // gets the key, so whichever connects first picks it up (relay-fanout.ts).
  const fanOut =
    (recipientOffline || relayMode === 'only') && o.device === undefined
      ? await RelayFanOut.lookup(ctx, to, target, senderIdentity)
      : undefined;
  const backend = await ctx.backend();

  const paths =
    typeof source === 'string' ? [source] : Array.isArray(source) ? (source as readonly string[]) : undefined;
  const input: EngineInput = paths
    ? { kind: 'files', paths }
    : (() => {
        const s = source as Exclude<SendSource, string | readonly string[]>;
        return {
          kind: 'stream',
          stream: s.stream,
          name: s.name,
          ...(s.mtimeMs === undefined ? {} : { mtimeMs: s.mtimeMs }),
        };
      })();
  const tuning = {
    backend,
    reconnectTimeoutMs: ctx.reconnectTimeoutMs,
    ...(o.maxBytesPerSecond === undefined ? {} : { maxBytesPerSecond: o.maxBytesPerSecond }),
  };
  const stateDir = paths ? ctx.stateDir : undefined;
  const key = paths ? inputKey(paths) : [];
  let sender: TransferSender | undefined;
  if (stateDir !== undefined && o.resume !== false) {
    const record = await findResumable(stateDir, key, peer.user, peer.device);
    if (record) sender = await TransferSender.restore(record, { ...tuning, stateDir }).catch(() => undefined);
  }
  if (!t.active) return; // cancelled while hashing
  // The manifest fixes the chunk size, and the per-file digests chain over chunks, so it must be
  // chosen before hashing (not in parallel with it). An explicit `chunkSize` wins; a restored
  // sender keeps its sealed one; relay-bound transfers keep 64 KiB (no peer channel to fit).
  const negotiatedChunkSize =
    sender === undefined && o.chunkSize === undefined && !recipientOffline && relayMode !== 'only'
      ? await chooseChunkSize(ctx, peer)
      : undefined;
  if (sender === undefined) {
    const chunkSize = o.chunkSize ?? negotiatedChunkSize;
    if (!t.active) return;
    sender = await TransferSender.create({
      input,
      sender: senderIdentity,
      recipient: { userId: peer.user, deviceId: peer.device, x25519PublicKey: fromBase64Url(target.x25519) },
      ...(fanOut === undefined ? {} : { onTransferKey: fanOut.sealKey }),
      ...tuning,
      ...(stateDir === undefined ? {} : { stateDir }),
      ...(chunkSize === undefined ? {} : { chunkSize }),
    });
    if (stateDir !== undefined)
      await rememberResumable(stateDir, {
        transferId: sender.transferId,
        inputs: key,
        user: peer.user,
        device: peer.device,
      });
  }
  const tx = sender;
  const id = tx.transferId;
  t.transferId = id;
  // A restored sender keeps the chunk size its manifest was sealed with.
  t.chunkSize = tx.layout?.chunkSize ?? o.chunkSize ?? negotiatedChunkSize ?? DEFAULT_CHUNK_SIZE;
  let session: PeerSession | undefined;
  let answered = false;
  let reoffering = false;
  /** An offer is out and neither accepted nor declined yet (see the presence cue below). */
  let unanswered = false;
  let answerTimer: ReturnType<typeof setTimeout> | undefined;
  const relay = new RelayFallback({
    ctx,
    relay: ctx.relay,
    t,
    tx,
    recipient: { userId: peer.user, deviceId: peer.device },
    ...(fanOut === undefined ? {} : { offers: () => fanOut.offers(tx.offer) }),
    mode: relayMode,
    afterMs: o.relayAfterMs ?? ctx.relayAfterMs ?? DEFAULT_RELAY_AFTER_MS,
    onTakeover: () => {
      // The relay carries the transfer now: no more offers, timers or peer sessions.
      stopRouting();
      clearTimeout(answerTimer);
      session?.close();
    },
  });

  const finish = (): void => {
    stopRouting();
    clearTimeout(answerTimer);
    session?.close();
  };
  const forget = (): void => {
    if (stateDir !== undefined) void forgetResumable(stateDir, id);
  };
  const connect = async (sid: string): Promise<void> => {
    // Replaced: the peer has moved on to the new session, so no goodbye on the old one.
    session?.close({ goodbye: false });
    const s = await ctx.openSession(peer, sid, true, o.turnOnly === true);
    session = s;
    if (!t.active) return s.close();
    // Attached before `connect`: the receiver speaks first (HELLO), and a frame arriving between
    // the two ends' connect events must not be lost. A failed negotiation closes the channel,
    // which the engine reports as `disconnected` (→ re-offer below).
    tx.attach(peerSessionChannel(s));
    s.ready.then(
      () => relay.disarm(),
      () => undefined,
    );
    s.ready.then(
      () =>
        s.selectedPath().then(
          (path) => t.report('connected', { path }),
          () => t.report('connected', { path: undefined }),
        ),
      () => undefined,
    );
  };
  // One `offer`, or `offer-part`s when the envelope is too long for a signaling frame.
  const offer = (): Promise<void> => sendOffer((c) => ctx.sendControl(peer, id, c), tx.offer);
  const reoffer = async (): Promise<void> => {
    if (reoffering) return;
    reoffering = true;
    try {
      // Until the engine gives up (its reconnect timeout): a receiver that restarts picks this up.
      while (t.active && tx.active && !relay.active) {
        try {
          await offer();
          unanswered = true;
          t.report('offered', { transferId: id, device: peer.device });
          return;
        } catch (err) {
          if (!HypersendError.is(err, 'peer_offline', 'not_connected', 'timeout')) throw err;
          await sleep(REOFFER_EVERY_MS);
        }
      }
    } finally {
      reoffering = false;
    }
  };

  const unroute = ctx.route(id, peer, (msg) => {
    switch (msg.t) {
      case 'accept':
        if (relay.active) return; // too late: the relay has it
        answered = true;
        unanswered = false;
        clearTimeout(answerTimer);
        t.report('accepted', { transferId: id });
        relay.arm(); // no usable connection in time → relay
        connect(msg.session).catch((err: unknown) =>
          fail(HypersendError.is(err) ? err : new HypersendError('io', String(err))),
        );
        return;
      case 'decline':
        unanswered = false;
        t.fail(
          new HypersendError('declined', `${to} declined the transfer`, {
            details: { reason: msg.reason ?? 'user' },
          }),
        );
        tx.handleAnswer({ transferId: id, decision: 'decline' }); // the engine releases files and its record
        forget();
        finish();
        return;
      case 'cancel':
        t.fail(cancelled('remote', 'receiver', msg.resumable ? 'interrupted' : msg.reason));
        // A resumable stop keeps our record too (interrupt: no reconnect timer left to delete it);
        // otherwise the CANCEL frame (or this) ends the engine.
        if (msg.resumable) tx.interrupt();
        else tx.cancel('cancelled by the receiver');
        finish();
        return;
      case 'offer':
        return;
    }
  });
  // Signaling accepts an offer for a device whose socket is already going away (a page
  // reloading, a receiver restarting) and delivers it into that dying socket: the device's next
  // connection never hears of it, and the sender would wait for its answer timeout. The device
  // coming online again is the cue to repeat an unanswered offer (a receiver that did get it
  // ignores the copy while the offer is on screen, and resumes on it once accepted).
  const stopPresenceCue = ctx.client.on('presence', (p) => {
    if (!unanswered || p.state !== 'online' || p.user !== peer.user || p.device !== peer.device) return;
    if (!t.active || !tx.active || relay.active) return;
    ctx.log.debug({ transferId: id }, 'recipient device back online: offering again');
    offer().then(
      () => t.report('offered', { transferId: id, device: peer.device }),
      (err: unknown) => ctx.log.debug({ err }, 'offer on presence failed'),
    );
  });
  function stopRouting(): void {
    unroute();
    stopPresenceCue();
  }
  const fail = (err: HypersendError): void => {
    t.fail(err);
    finish();
  };

  tx.on('progress', (p) => t.report('progress', p));
  tx.on('done', (r) => {
    t.succeed(r);
    forget();
    finish();
  });
  tx.on('error', (e) => {
    t.fail(fromEngineError(e, 'sender'));
    stopRouting();
    clearTimeout(answerTimer);
    closeAfterGoodbye(session); // e.g. ERROR `unsupported` after HELLO: the receiver must get it
  });
  tx.on('disconnected', (_err, byPeer) => {
    if (!t.active) return;
    t.report('reconnecting', { transferId: id, cause: byPeer ? 'peer_closed' : 'lost' });
    if (relay.active) return relay.restart();
    relay.arm(); // stays lost → relay
    reoffer().catch((err: unknown) =>
      fail(HypersendError.is(err) ? err : new HypersendError('io', String(err))),
    );
  });
  t.bind({
    cancel: async (message) => {
      t.fail(cancelled('local', 'sender', 'user'));
      await bounded(
        ctx.sendControl(peer, id, control({ t: 'cancel', reason: 'user', resumable: false })),
        3000,
      );
      tx.cancel(message);
      forget();
      finish();
    },
    interrupt: async () => {
      t.fail(cancelled('local', 'sender', 'interrupted'));
      await bounded(
        ctx.sendControl(peer, id, control({ t: 'cancel', reason: 'interrupted', resumable: true })),
        3000,
      );
      tx.interrupt(); // keeps the record for the next `send` of the same files
      finish();
    },
  });

  const answerTimeout = o.answerTimeoutMs ?? 120_000;
  answerTimer = setTimeout(() => {
    if (answered || !t.active) return;
    fail(
      new HypersendError(
        'offer_timeout',
        `${to} did not answer within ${Math.round(answerTimeout / 1000)} s`,
      ),
    );
    void bounded(
      ctx.sendControl(peer, id, control({ t: 'cancel', reason: 'timeout', resumable: true })),
      3000,
    );
  }, answerTimeout);
  (answerTimer as { unref?: () => void }).unref?.();

  if (recipientOffline || relayMode === 'only' || (await relay.hasUpload())) {
    const why = recipientOffline
      ? 'recipient offline'
      : relayMode === 'only'
        ? 'relay only'
        : 'relay upload begun earlier';
    await relay.start(why);
    return;
  }
  try {
    await offer();
    if (!answered) unanswered = true;
  } catch (err) {
    if (HypersendError.is(err, 'peer_offline') && relay.allowed) {
      await relay.start('recipient went offline');
      return;
    }
    finish();
    throw err;
  }
  t.report('offered', { transferId: id, device: peer.device });
}

async function pickDevice(
  ctx: TransferContext,
  to: string,
  wanted: string | undefined,
): Promise<ContactDevice> {
  const devices = await ctx.client.keys.devicesOf(to);
  const first = devices[0];
  if (first === undefined) throw new HypersendError('not_reachable', `${to} has no devices`);
  if (wanted !== undefined) {
    const d = devices.find((x) => x.deviceId === wanted) ?? devices.find((x) => x.name === wanted);
    if (d === undefined) throw new HypersendError('not_found', `${to} has no device ${wanted}`);
    return d;
  }
  const online = await ctx.client.signaling.presenceQuery([first.userId]);
  const d = devices.find((x) => online.some((a) => a.user === x.userId && a.device === x.deviceId));
  // Seam for the relay fallback (a later issue): an offline recipient gets the ciphertext through
  // the store-and-forward relay instead of this error.
  if (d === undefined) throw new HypersendError('peer_offline', `no device of ${to} is online`);
  return d;
}
