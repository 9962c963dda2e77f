// Node-only: `client.send` and incoming offers for one HypersendClient. Routes `transfer`
// signals (sid = transfer id) to the transfer they belong to, and turns new offers into
// `offer` events.
import type { DeviceAddress } from '@hypersend/protocol';
import { childLogger, type Logger } from '../api/runtime.ts';
import type { CryptoBackend } from '../crypto/backend.ts';
import { HypersendError } from '../errors.ts';
import type { HypersendClient } from '../hypersend-client.ts';
import type { IncomingSignal } from '../signaling/signaling-client.ts';
import { DEFAULT_CHUNK_SIZE, negotiateChunkSize } from '../transfer/chunk-size.ts';
import { OfferAssembler } from '../transfer/offer-parts.ts';
import { localChunkLimit } from '../webrtc/local-limits.ts';
import { PeerSession } from '../webrtc/peer-session.ts';
import type { WebRtcImplementation } from '../webrtc/webrtc-types.ts';
import { answerChunkQuery } from './chunk-size-query.ts';
import { decodeTransferControl } from './control-decoder.ts';
import { hasTurn, iceConfigFor } from './ice-servers.ts';
import { type IncomingTransfer, openIncoming } from './incoming.ts';
import { runOutgoing, type SendOptions, type SendSource } from './outgoing.ts';
import { RelayAccess } from './relay-access.ts';
import { RelayInbox } from './relay-incoming.ts';
import { sessionSignals } from './session-signals.ts';
import { type ControlHandler, routeKey, type TransferContext } from './transfer-context.ts';
import { Transfer } from './transfer-handle.ts';
import { keepTurnFresh } from './turn-refresh.ts';

/** Options of {@link nodeTransfers}. */
export interface NodeTransfersOptions {
  /**
   * Where unfinished outgoing transfers keep their resume records (0700 folder, 0600 files).
   * Without it a restarted sender starts over instead of resuming.
   */
  stateDir?: string;
  /** How long either side waits for a new connection after losing one. Default 60 s. */
  reconnectTimeoutMs?: number;
  /** WebRTC implementation; default `@roamhq/wrtc`, loaded on first use. */
  wrtc?: WebRtcImplementation;
  /**
   * Store-and-forward relay base URL. Default: what the signaling server advertises at
   * `GET /v1/config` (its `HYPERSEND_RELAY_URL`); `null` turns the relay off for this client.
   */
  relayUrl?: string | null;
  /** How long a transfer waits for a peer connection before the relay takes over. Default 20 s. */
  relayAfterMs?: number;
  /**
   * Largest chunk (plaintext bytes) this device uses as a sender and advertises as a receiver.
   * Default: what the WebRTC stack's data channels carry (255 KiB in libwebrtc and Chromium),
   * probed once. Lower it to keep chunks small, e.g. on a link that struggles with big messages.
   */
  maxChunkSize?: number;
  /**
   * Answer other devices' chunk-size queries (`caps-query`). Default true. `false` behaves like
   * a client from before the query existed: senders wait for their timeout and use 64 KiB.
   */
  answerChunkQueries?: boolean;
  /** How long `send` waits for the recipient's chunk-size answer. Default 3 s, then 64 KiB. */
  chunkQueryTimeoutMs?: number;
  /**
   * Called with each peer session as it is created (the browser service closes them, saying
   * goodbye, when the page goes away: `browser/page-goodbye.ts`).
   */
  onSession?: (session: PeerSession) => void;
  log?: Logger;
}

/** What `HypersendClient` calls; see `HypersendClientOptions.transfers`. */
export interface TransferService {
  send(to: string, source: SendSource, options?: SendOptions): Transfer;
  close(): void;
}

/** Builds the transfer service of a client (`emitOffer` raises the client's `offer` event). */
export type TransferServiceFactory = (
  client: HypersendClient,
  emitOffer: (offer: IncomingTransfer) => void,
) => TransferService;

/**
 * The Node transfer service: pass it as `transfers` to `HypersendClient` (Node's `createClient`
 * does so by default).
 *
 * @example
 * const client = new HypersendClient({ ...seams, transfers: nodeTransfers({ stateDir }) });
 * client.on('offer', (offer) => offer.accept({ dir: '.' }));
 */
export function nodeTransfers(options: NodeTransfersOptions = {}): TransferServiceFactory {
  return (client, emitOffer) => new NodeTransferService(client, emitOffer, options);
}

class NodeTransferService implements TransferService {
  readonly #routes = new Map<string, ControlHandler>();
  readonly #opening = new Set<string>();
  readonly #offerParts = new OfferAssembler();
  readonly #ctx: TransferContext;
  readonly #log: Logger;
  readonly #unsubscribe: () => void;
  readonly #inbox: RelayInbox | undefined;
  readonly #answerChunkQueries: boolean;
  #backend: Promise<CryptoBackend> | undefined;
  #wrtc: Promise<WebRtcImplementation> | undefined;
  readonly #onSession: ((session: PeerSession) => void) | undefined;

  constructor(
    private readonly client: HypersendClient,
    private readonly emitOffer: (offer: IncomingTransfer) => void,
    o: NodeTransfersOptions,
  ) {
    this.#log = childLogger(o.log, 'transfers');
    this.#answerChunkQueries = o.answerChunkQueries ?? true;
    this.#onSession = o.onSession;
    if (o.wrtc) this.#wrtc = Promise.resolve(o.wrtc);
    const routes = this.#routes;
    const relay =
      o.relayUrl === null ? undefined : new RelayAccess(client, { relayUrl: o.relayUrl, log: this.#log });
    this.#ctx = {
      client,
      log: this.#log,
      stateDir: o.stateDir,
      reconnectTimeoutMs: o.reconnectTimeoutMs ?? 60_000,
      relay,
      relayAfterMs: o.relayAfterMs,
      relayWaiters: new Map(),
      backend: () => this.#loadBackend(),
      chunkLimit: () => this.#chunkLimit(o.maxChunkSize),
      chunkQueryTimeoutMs: o.chunkQueryTimeoutMs,
      wrtc: () => this.#loadWrtc(),
      openSession: (peer, sid, initiator, turnOnly) => this.#openSession(peer, sid, initiator, turnOnly),
      route(transferId, peer, handler) {
        const key = routeKey(transferId, peer);
        routes.set(key, handler);
        return () => {
          if (routes.get(key) === handler) routes.delete(key);
        };
      },
      sendControl: (peer, transferId, data) =>
        client.signaling.sendSignal(peer, 'transfer', transferId, data),
    };
    this.#unsubscribe = client.on('signal', (s) => this.#onSignal(s));
    if (relay) {
      // Relay deliveries become ordinary offers, verified exactly like a peer's.
      this.#inbox = new RelayInbox(
        this.#ctx,
        relay,
        async (notice, envelope, delivery) => {
          this.emitOffer(await openIncoming(this.#ctx, notice.from, envelope, delivery));
        },
        this.#log,
      );
      this.#inbox.start();
    }
  }

  send(to: string, source: SendSource, options: SendOptions = {}): Transfer {
    const t = new Transfer('sender');
    // Started on a microtask so the caller can subscribe to events first.
    queueMicrotask(() => {
      runOutgoing(this.#ctx, t, to, source, options).catch((err: unknown) => {
        t.fail(
          HypersendError.is(err)
            ? err
            : new HypersendError('io', err instanceof Error ? err.message : String(err), { cause: err }),
        );
      });
    });
    return t;
  }

  close(): void {
    this.#unsubscribe();
    this.#inbox?.close();
    this.#routes.clear();
    this.#offerParts.close();
  }

  #onSignal(s: IncomingSignal): void {
    if (s.kind !== 'transfer') return;
    const decoded = decodeTransferControl(s.data);
    if (decoded.kind === 'unknown') {
      // A newer peer's control (PROTOCOL.md "Transfer control": unknown types are ignored, not answered).
      this.#log.debug(
        { from: s.from, v: decoded.v, t: decoded.t },
        'ignoring transfer control of unknown type',
      );
      return;
    }
    if (decoded.kind === 'malformed') {
      this.#log.warn(
        { from: s.from, t: decoded.t, issue: decoded.issue },
        'dropping malformed transfer control',
      );
      return;
    }
    let msg = decoded.msg;
    if (msg.t === 'offer-part') {
      // A long offer arrives in parts (transfer/offer-parts.ts); joined, it is one offer.
      const envelope = this.#offerParts.add(routeKey(s.sid, s.from), msg);
      if (envelope === undefined) return;
      msg = { v: 1, t: 'offer', envelope };
    }
    const handler = this.#routes.get(routeKey(s.sid, s.from));
    if (handler) {
      handler(msg);
      return;
    }
    if (msg.t === 'caps-query') {
      if (this.#answerChunkQueries) void answerChunkQuery(this.#ctx, s.from, s.sid);
      return;
    }
    if (msg.t !== 'offer') return; // an answer to nothing we are doing: stale or forged
    const key = routeKey(s.sid, s.from);
    // A re-offer arriving while the first copy is still being verified is the same offer.
    if (msg.envelope.transferId !== s.sid || this.#opening.has(key)) return;
    this.#opening.add(key);
    openIncoming(this.#ctx, s.from, msg.envelope).then(
      (offer) => {
        this.#opening.delete(key);
        this.emitOffer(offer);
      },
      (err: unknown) => {
        // Not shown to the user: a changed key, a non-contact or a bad seal. Apps see it as `error`.
        this.#opening.delete(key);
        this.#log.warn({ from: s.from, err }, 'refused a transfer offer');
        if (HypersendError.is(err)) this.client.reportError(err);
      },
    );
  }

  #loadBackend(): Promise<CryptoBackend> {
    this.#backend ??= import('../crypto/backend-node.ts').then((m) => m.loadCryptoBackend());
    return this.#backend;
  }

  async #chunkLimit(cap: number | undefined): Promise<number> {
    const probed = await localChunkLimit(await this.#loadWrtc()).catch(() => DEFAULT_CHUNK_SIZE);
    return cap === undefined ? probed : (negotiateChunkSize(probed, cap) ?? DEFAULT_CHUNK_SIZE);
  }

  #loadWrtc(): Promise<WebRtcImplementation> {
    // The native binding loads only when a transfer starts, not for `login` or `contacts`.
    this.#wrtc ??= import('../webrtc/wrtc-node.ts').then((m) => m.nodeWebRtc);
    return this.#wrtc;
  }

  async #openSession(
    peer: DeviceAddress,
    sid: string,
    initiator: boolean,
    turnOnly = false,
  ): Promise<PeerSession> {
    const fetchIce = () => iceConfigFor(this.client.api);
    const [{ iceServers, expiresAtMs }, wrtc] = await Promise.all([fetchIce(), this.#loadWrtc()]);
    // TURN-only without TURN would just time out in ICE; say why instead.
    if (turnOnly && !hasTurn(iceServers))
      throw new HypersendError(
        'unsupported',
        'turn-only transfers need TURN, and the server has none configured',
      );
    const signal = sessionSignals(
      {
        sendSignal: (to, kind, id, data) => this.client.signaling.sendSignal(to, kind, id, data),
        onSignal: (h) => this.client.on('signal', h),
      },
      peer,
      sid,
      (err) => this.#log.warn({ err }, 'negotiation signal not delivered'),
    );
    const session = new PeerSession({ initiator, signal, wrtc, iceServers, turnOnly, log: this.#log });
    keepTurnFresh(session, { fetch: fetchIce, expiresAtMs, log: this.#log });
    this.#onSession?.(session);
    return session;
  }
}
