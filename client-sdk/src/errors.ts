import type { ErrorCode as ProtocolErrorCode } from '@hypersend/protocol';

/**
 * Stable codes of errors raised inside the SDK. Callers switch on `err.code`; messages are for
 * humans and may change. Server answers keep their protocol codes (`bad_request`, `not_found`, ...)
 * so one `switch` handles both.
 *
 * @example
 * if (HypersendError.is(err, SdkErrorCode.decryptFailed)) abortTransfer();
 */
export const SdkErrorCode = {
  /** An AEAD open failed: wrong key, wrong index/final flag/domain, or tampered bytes. */
  decryptFailed: 'decrypt_failed',
  /** A sealed transfer key did not open or its sender signature did not verify. */
  sealInvalid: 'seal_invalid',
  /** A peer presented an identity key different from the one recorded for it. */
  keyChanged: 'key_changed',
  /** A key or other byte string had the wrong length or encoding. */
  badKey: 'bad_key',
  /** A binary frame was truncated, oversize or malformed. */
  badFrame: 'bad_frame',
  /** A decrypted manifest failed validation. */
  badManifest: 'bad_manifest',
  /** A chunk arrived before the one expected: one or more chunks were dropped or reordered. */
  outOfOrder: 'out_of_order',
  /** A chunk that was already accepted arrived again. */
  duplicateChunk: 'duplicate_chunk',
  /** The stream ended before its final chunk. */
  truncated: 'truncated',
  /** Received bytes do not hash to the digest in the manifest. */
  hashMismatch: 'hash_mismatch',
  /** A peer speaks a format version this SDK does not. */
  unsupportedVersion: 'unsupported_version',
  /** The peer or the channel cannot do what is needed (e.g. no usable chunk size). */
  unsupported: 'unsupported',
  /** A caller passed an argument outside the documented domain. */
  invalidArgument: 'invalid_argument',
  /** An async dependency (libsodium) was used before it finished loading. */
  notReady: 'not_ready',
  /** The operation was cancelled by either side. */
  cancelled: 'cancelled',
  // File layer (client-sdk/src/files): listed here so its error can extend HypersendError.
  unsafePath: 'unsafe_path',
  pathEscape: 'path_escape',
  notADirectory: 'not_a_directory',
  fileExists: 'file_exists',
  badChunk: 'bad_chunk',
  sizeMismatch: 'size_mismatch',
  sourceChanged: 'source_changed',
  closed: 'closed',
  io: 'io',
  // WebRTC peer layer (client-sdk/src/webrtc): listed here so PeerError can extend HypersendError.
  peerConnectionFailed: 'peer_connection_failed',
  peerConnectTimeout: 'peer_connect_timeout',
  peerNegotiationFailed: 'peer_negotiation_failed',
  dataChannelError: 'data_channel_error',
  frameTooLarge: 'frame_too_large',
  /** A frame starting with a zero byte, which the peer session reserves for its own messages. */
  frameReserved: 'frame_reserved',
  peerNotConnected: 'peer_not_connected',
  peerClosed: 'peer_closed',
  webrtcUnsupported: 'webrtc_unsupported',
  // Connection layer (client-sdk/src/{api,auth,signaling,identity,contacts}).
  /** A request or connection attempt took longer than its deadline. */
  timeout: 'timeout',
  /** The server could not be reached (DNS, refused, reset) or the socket dropped mid-request. */
  network: 'network',
  /** The server answered with something that does not match the protocol schemas. */
  badResponse: 'bad_response',
  /** The refresh token was rejected (expired, revoked or reused): the app must log in again. */
  sessionExpired: 'session_expired',
  /** An authenticated call was made before login or `useToken`. */
  notAuthenticated: 'not_authenticated',
  /** The signaling socket is not open (never connected, reconnecting, or closed). */
  notConnected: 'not_connected',
  /** Another connection of the same device took over; this one will not reconnect by itself. */
  replaced: 'replaced',
  /** A file holding secrets is readable or writable by other users, or owned by someone else. */
  insecureFile: 'insecure_file',
  /** A stored identity or key file exists but is not valid. */
  corruptStore: 'corrupt_store',
  // Transfers (client-sdk/src/transfers).
  /** The recipient declined the offer. */
  declined: 'declined',
  /** The recipient's device did not answer the offer in time. */
  offerTimeout: 'offer_timeout',
  /** No store-and-forward relay is configured, or it stayed unreachable through every retry. */
  relayUnavailable: 'relay_unavailable',
  /** The relay refused an upload or download (quota, object size, pending limit, lost bytes). */
  relayRefused: 'relay_refused',
  /**
   * The relay object went away mid-download: another device of this user picked it up (and
   * acknowledged it), or it expired. Nothing is kept; the notice is dismissed.
   */
  relayObjectGone: 'relay_object_gone',
} as const;
/** One of {@link SdkErrorCode}. */
export type SdkErrorCode = (typeof SdkErrorCode)[keyof typeof SdkErrorCode];

/** Every code a {@link HypersendError} may carry: SDK codes plus the server's protocol codes. */
export type HypersendErrorCode = SdkErrorCode | ProtocolErrorCode;

/** Options of {@link HypersendError}: the underlying error and small, non-secret details. */
export interface HypersendErrorOptions {
  cause?: unknown;
  details?: Readonly<Record<string, string | number | boolean>>;
}

// A registry symbol rather than `instanceof` alone: two copies of the SDK in one bundle (or a
// worker boundary with structured clone) still recognise each other's errors.
const BRAND = Symbol.for('hypersend.error');

/**
 * The one error class of the SDK. `code` is stable; `cause` carries the underlying error (never
 * key material); `details` holds small diagnostic values such as a chunk index.
 *
 * @example
 * try {
 *   decryptChunk(ctx, 3, false, bytes);
 * } catch (err) {
 *   if (HypersendError.is(err, 'decrypt_failed')) cancelTransfer(err.code);
 *   else throw err;
 * }
 */
export class HypersendError extends Error {
  override readonly name: string = 'HypersendError';
  readonly code: HypersendErrorCode;
  readonly details: Readonly<Record<string, string | number | boolean>> | undefined;

  constructor(code: HypersendErrorCode, message: string, options: HypersendErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /**
   * True when `err` is a HypersendError (from any copy of the SDK), optionally with one of `codes`.
   *
   * @example
   * if (HypersendError.is(err, 'truncated', 'out_of_order')) resumeFromLastAck();
   */
  static is(err: unknown, ...codes: HypersendErrorCode[]): err is HypersendError {
    if (typeof err !== 'object' || err === null || !(BRAND in err)) return false;
    return codes.length === 0 || codes.includes((err as { code?: unknown }).code as HypersendErrorCode);
  }

  /**
   * Authentication failed while opening ciphertext. Deliberately says nothing about *why*:
   * distinguishing "wrong index" from "bit flip" would only help an attacker.
   *
   * @example
   * throw HypersendError.decryptFailed({ index: 7 });
   */
  static decryptFailed(
    details?: Readonly<Record<string, string | number | boolean>>,
    cause?: unknown,
  ): HypersendError {
    return new HypersendError('decrypt_failed', 'decryption failed: data is corrupt or not for this key', {
      ...(details === undefined ? {} : { details }),
      ...(cause === undefined ? {} : { cause }),
    });
  }

  /**
   * A sealed transfer key could not be opened or was not signed by the expected sender.
   *
   * @example
   * throw HypersendError.sealInvalid('signature does not verify');
   */
  static sealInvalid(why: string, cause?: unknown): HypersendError {
    return new HypersendError('seal_invalid', `sealed transfer key rejected: ${why}`, optionsOf(cause));
  }

  /**
   * A device presented identity keys that differ from the ones recorded; never accept silently.
   *
   * @example
   * throw HypersendError.keyChanged('u_alice/d_phone');
   */
  static keyChanged(who: string): HypersendError {
    return new HypersendError('key_changed', `identity key changed for ${who}`, { details: { who } });
  }

  /**
   * A key or encoded byte string is malformed.
   *
   * @example
   * throw HypersendError.badKey('expected 32 bytes');
   */
  static badKey(why: string, cause?: unknown): HypersendError {
    return new HypersendError('bad_key', `bad key: ${why}`, optionsOf(cause));
  }

  /**
   * A binary frame could not be decoded (used by callers that prefer throwing over results).
   *
   * @example
   * if (!r.ok) throw HypersendError.badFrame(r.message);
   */
  static badFrame(why: string): HypersendError {
    return new HypersendError('bad_frame', `bad frame: ${why}`);
  }

  /**
   * A decrypted manifest is structurally invalid.
   *
   * @example
   * throw HypersendError.badManifest('chunkCount does not match totalSize');
   */
  static badManifest(why: string, cause?: unknown): HypersendError {
    return new HypersendError('bad_manifest', `bad manifest: ${why}`, optionsOf(cause));
  }

  /**
   * An argument is outside its documented domain (a programming error, not an attack).
   *
   * @example
   * throw HypersendError.invalidArgument('key must be 32 bytes');
   */
  static invalidArgument(why: string): HypersendError {
    return new HypersendError('invalid_argument', why);
  }

  /**
   * libsodium was used before `loadSodium()` resolved.
   *
   * @example
   * throw HypersendError.notReady('libsodium');
   */
  static notReady(what: string): HypersendError {
    return new HypersendError('not_ready', `${what} is not loaded yet; await loadSodium() first`);
  }
}

function optionsOf(cause: unknown): HypersendErrorOptions {
  return cause === undefined ? {} : { cause };
}
