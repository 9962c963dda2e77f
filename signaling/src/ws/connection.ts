import type { WebSocket } from 'uWebSockets.js';
import type { ClientMessage } from '@hypersend/protocol';
import type { ReachMemo } from './reach-cache.ts';
import { END } from './sender.ts';
import { StrikeCounter } from './strike-counter.ts';
import { TokenBucket } from './token-bucket.ts';

/** More than this many malformed frames within `BAD_FRAME_WINDOW_MS` closes the socket (1008). */
export const BAD_FRAME_LIMIT = 10;
export const BAD_FRAME_WINDOW_MS = 60_000;
/** More than this many rate-limited frames within `FLOOD_WINDOW_MS` closes the socket (1008). */
export const FLOOD_LIMIT = 50;
export const FLOOD_WINDOW_MS = 10_000;
/** Frames waiting behind an asynchronous lookup; beyond this they are answered `rate_limited`. */
export const MAX_BACKLOG = 256;

/**
 * The user data uWS keeps for a socket. uWS copies the user data's own properties onto its
 * socket object (a V8 API object), and loads of fields there went through V8's generic
 * property lookup on the signal path (~4 % of the server's CPU per signal); so the connection
 * is one plain object behind a single property, read once per event.
 */
export interface SocketData {
  conn: Connection;
}

/** What the upgrade handler learned about the caller; becomes the connection's identity. */
export interface UpgradeData {
  userId: string;
  deviceId: string;
  ip: string;
  /** Access token expiry, epoch seconds: the socket is closed with 4002 then. */
  expiresAt: number;
  tokenId: string;
}

/**
 * Per-connection state, attached to the uWS socket as its user data. Everything the hot
 * path needs is precomputed here once (keys, frame prefix) so routing a signal
 * allocates little beyond the forwarded string.
 */
export interface Connection extends UpgradeData {
  /** `<userId>/<deviceId>`, the bus key. */
  key: string;
  /** Head of every signal this connection sends, see `signalPrefix`. */
  signalHead: string;
  ws: WebSocket<SocketData> | null;
  /** Set on the loop turn after `open`, when the hello went out; nothing is sent before. */
  ready: boolean;
  /** Set once closed; late async work checks it before sending. */
  closed: boolean;
  /** The server has ended it (close frame sent); nothing more is written. */
  closing: boolean;
  /** Replaced by a newer connection of the same device: no offline presence on close. */
  replaced: boolean;
  bucket: TokenBucket;
  badFrames: StrikeCounter;
  floods: StrikeCounter;
  /**
   * Frames waiting for the sender's next flush: indices of the first and last in the sender's
   * shared queue, `END` when none (see `Sender`; integers, so this state never points at young objects).
   */
  outboxHead: number;
  outboxTail: number;
  /** Their total length, counted against the backpressure limit with uWS's own buffer. */
  outboxBytes: number;
  /** True while an asynchronous lookup is in flight; later frames wait in `backlog` to keep order. */
  busy: boolean;
  backlog: ClientMessage[];
  unsubscribe: (() => void) | null;
  expiryTimer: NodeJS.Timeout | null;
  /**
   * The head of this connection's last forwarded signal, as bytes, with the kind and session it
   * was built for (see `signal-forward.ts`): consecutive candidates of one session reuse it.
   */
  forwardHead: string | null;
  forwardKind: string;
  forwardSid: string;
  /** This connection's last relationship answer (see `ReachMemo`). */
  reach: ReachMemo;
  /** The bus key of the last device this connection signalled, so it is not rebuilt per signal. */
  lastTarget: { user: string; device: string; key: string } | null;
}

/** Build the state of a connection that passed the upgrade checks. */
export function createConnection(
  data: UpgradeData,
  limits: { wsRatePerSecond: number; wsBurst: number },
  now: number,
  signalHead: string,
): Connection {
  // An explicit literal, not `{ ...data, … }`: objects built by spreading ended up with many
  // different hidden classes once the hot path wrote their fields, which made every
  // `conn.<field>` load on the hot path megamorphic (~6 % of the server's CPU per signal).
  return {
    userId: data.userId,
    deviceId: data.deviceId,
    ip: data.ip,
    expiresAt: data.expiresAt,
    tokenId: data.tokenId,
    key: `${data.userId}/${data.deviceId}`,
    signalHead,
    ws: null,
    ready: false,
    closed: false,
    closing: false,
    replaced: false,
    bucket: new TokenBucket(limits.wsRatePerSecond, limits.wsBurst, now),
    badFrames: new StrikeCounter(BAD_FRAME_LIMIT, BAD_FRAME_WINDOW_MS),
    floods: new StrikeCounter(FLOOD_LIMIT, FLOOD_WINDOW_MS),
    outboxHead: END,
    outboxTail: END,
    outboxBytes: 0,
    busy: false,
    backlog: [],
    unsubscribe: null,
    expiryTimer: null,
    forwardHead: null,
    forwardKind: '',
    forwardSid: '',
    reach: { toUser: '', entry: null },
    lastTarget: null,
  };
}
