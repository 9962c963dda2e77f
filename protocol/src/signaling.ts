import { z } from 'zod';
import { ChatClientMessages, ChatServerMessages } from './chat.ts';
import { Id } from './ids.ts';
import { RelayNoticeMessage } from './relay-notice.ts';
import { parseSignalFast } from './signaling-fast.ts';

/**
 * Signaling protocol over `/v1/ws`. See `protocol/PROTOCOL.md` for the prose description.
 * Every frame is one JSON object with a `type`; client frames may carry an `id` that the
 * server echoes as `ref` in its answer, so the client can match errors to requests.
 */
export const SIGNALING_PROTOCOL_VERSION = 1;

/** Sub-protocol token the client offers in `Sec-WebSocket-Protocol` alongside its credential. */
export const WS_SUBPROTOCOL = 'hypersend.v1';
/** Prefix of the credential entry in `Sec-WebSocket-Protocol`: `bearer.<jwt>` or `ticket.<ticket>`. */
export const WS_BEARER_PREFIX = 'bearer.';
export const WS_TICKET_PREFIX = 'ticket.';

/** Largest WebSocket frame either side may send. */
export const MAX_WS_PAYLOAD_BYTES = 64 * 1024;

/** WebSocket close codes used by the server. 4xxx are application-defined (RFC 6455 §7.4.2). */
export const CloseCode = {
  goingAway: 1001,
  policyViolation: 1008,
  tooLarge: 1009,
  /** Another connection of the same device replaced this one. Do not reconnect automatically. */
  replaced: 4001,
  /** The access token expired or was revoked; reconnect with a fresh one. */
  tokenExpired: 4002,
} as const;

const RequestId = z.string().min(1).max(64);
export const DeviceAddress = z.object({ user: Id, device: Id }).strict();
export type DeviceAddress = z.infer<typeof DeviceAddress>;

/**
 * `offer`/`answer`/`candidate`/`renegotiate` carry WebRTC negotiation; `transfer` carries the
 * end-to-end transfer handshake (offer with sealed key and encrypted manifest, accept, decline,
 * cancel, resume) whose payload schema is `TransferControl` in `transfer.ts`. The server routes
 * all of them the same way and never looks inside `data`.
 */
export const SignalKind = z.enum(['offer', 'answer', 'candidate', 'renegotiate', 'transfer']);
export type SignalKind = z.infer<typeof SignalKind>;

/** Opaque WebRTC payload (SDP or ICE candidate); the server routes it without looking inside. */
const SignalData = z.record(z.string(), z.unknown());

// ---- client → server ----

/** Route a WebRTC signal to one device of a contact. `sid` names the peer session on both ends. */
export const SignalRequest = z
  .object({
    type: z.literal('signal'),
    id: RequestId.optional(),
    to: DeviceAddress,
    kind: SignalKind,
    sid: Id,
    data: SignalData,
  })
  .strict();
export const PingRequest = z.object({ type: z.literal('ping'), id: RequestId.optional() }).strict();
/** Ask which devices of the given contacts are online now. Non-contacts are answered as offline. */
export const PresenceQuery = z
  .object({ type: z.literal('presence.query'), id: RequestId.optional(), users: z.array(Id).min(1).max(256) })
  .strict();

export const ClientMessage = z.discriminatedUnion('type', [
  SignalRequest,
  PingRequest,
  PresenceQuery,
  ...ChatClientMessages,
]);
export type ClientMessage = z.infer<typeof ClientMessage>;
export type SignalRequest = z.infer<typeof SignalRequest>;

// ---- server → client ----

export const HelloMessage = z
  .object({
    type: z.literal('hello'),
    v: z.literal(SIGNALING_PROTOCOL_VERSION),
    user: Id,
    device: Id,
    heartbeatMs: z.number().int().positive(),
  })
  .strict();
export const SignalMessage = z
  .object({ type: z.literal('signal'), from: DeviceAddress, kind: SignalKind, sid: Id, data: SignalData })
  .strict();
/** The signal with this request id was handed to the addressed device's connection. */
export const AckMessage = z.object({ type: z.literal('ack'), ref: RequestId }).strict();
export const PongMessage = z.object({ type: z.literal('pong'), ref: RequestId.optional() }).strict();
export const PresenceMessage = z
  .object({ type: z.literal('presence'), user: Id, device: Id, state: z.enum(['online', 'offline']) })
  .strict();
export const PresenceSnapshot = z
  .object({
    type: z.literal('presence.snapshot'),
    ref: RequestId.optional(),
    online: z.array(DeviceAddress),
  })
  .strict();
export const ErrorMessage = z
  .object({
    type: z.literal('error'),
    code: z.string(),
    message: z.string(),
    ref: RequestId.optional(),
  })
  .strict();
/** Sent before a 1001 close when the server shuts down: reconnect after a jittered delay. */
export const ReconnectMessage = z
  .object({ type: z.literal('reconnect'), afterMs: z.number().int().nonnegative() })
  .strict();

export const ServerMessage = z.discriminatedUnion('type', [
  HelloMessage,
  SignalMessage,
  AckMessage,
  PongMessage,
  PresenceMessage,
  PresenceSnapshot,
  ErrorMessage,
  ReconnectMessage,
  RelayNoticeMessage,
  ...ChatServerMessages,
]);
export type ServerMessage = z.infer<typeof ServerMessage>;

/** Result of decoding one client frame: never throws. */
export type DecodeResult<T> =
  | { ok: true; value: T }
  | { ok: false; code: 'bad_message'; message: string; ref?: string };

/**
 * Decode one client frame (text or binary). Invalid JSON, unknown types and schema violations
 * are answered with a typed result, never an exception.
 *
 * @example
 * const r = decodeClientMessage('{"type":"ping","id":"1"}');
 * if (r.ok) handle(r.value); else send({ type: 'error', code: r.code, message: r.message, ref: r.ref });
 */
export function decodeClientMessage(frame: string | ArrayBuffer | Uint8Array): DecodeResult<ClientMessage> {
  let text: string;
  try {
    text =
      typeof frame === 'string'
        ? frame
        : new TextDecoder('utf-8', { fatal: true }).decode(
            frame instanceof Uint8Array ? frame : new Uint8Array(frame),
          );
  } catch {
    return { ok: false, code: 'bad_message', message: 'frame is not valid UTF-8' };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, code: 'bad_message', message: 'frame is not valid JSON' };
  }
  // Signals, the bulk of the traffic, skip zod when valid; everything else, and any invalid
  // signal, goes through the schema below, which also words the error.
  const fast = parseSignalFast(json);
  if (fast !== undefined) return { ok: true, value: fast };
  const ref = refOf(json);
  const parsed = ClientMessage.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'message';
    const message = `${where}: ${issue?.message ?? 'invalid'}`;
    return ref === undefined
      ? { ok: false, code: 'bad_message', message }
      : { ok: false, code: 'bad_message', message, ref };
  }
  return { ok: true, value: parsed.data };
}

/** Echo a well-formed request id even when the rest of the frame is invalid. */
function refOf(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null || !('id' in json)) return undefined;
  const id = (json as { id: unknown }).id;
  return RequestId.safeParse(id).success ? (id as string) : undefined;
}
