import {
  type DeviceAddress,
  type ErrorCode,
  type ServerMessage,
  SIGNALING_PROTOCOL_VERSION,
  type SignalRequest,
} from '@hypersend/protocol';

/**
 * Server → client frames, serialized once. Most builders concatenate strings instead of
 * calling `JSON.stringify` on an object: ids and enum values are restricted to
 * `[A-Za-z0-9_-]` by the protocol schemas, so they need no escaping, and the signal hot path
 * only serializes the opaque `data` payload. Free-form values (request ids) go through
 * `JSON.stringify`. `frames.test.ts` checks every builder against `ServerMessage`.
 */

/** Generic serializer for rare frames, typed by the protocol schema. */
export function encodeServerMessage(msg: ServerMessage): string {
  return JSON.stringify(msg);
}

/** `{"type":"hello",...}`: the first frame on every connection. */
export function helloFrame(user: string, device: string, heartbeatMs: number): string {
  return encodeServerMessage({ type: 'hello', v: SIGNALING_PROTOCOL_VERSION, user, device, heartbeatMs });
}

/**
 * The constant head of every signal a connection forwards: built once per connection so
 * routing a signal only appends kind, sid and data.
 */
export function signalPrefix(from: DeviceAddress): string {
  return `{"type":"signal","from":{"user":"${from.user}","device":"${from.device}"},"kind":"`;
}

/** A forwarded signal: `prefix` from `signalPrefix`, the rest from the validated request. */
export function signalFrame(prefix: string, msg: SignalRequest): string {
  return `${prefix}${msg.kind}","sid":"${msg.sid}","data":${JSON.stringify(msg.data)}}`;
}

/** `{"type":"ack","ref":...}` */
export function ackFrame(ref: string): string {
  return `{"type":"ack","ref":${JSON.stringify(ref)}}`;
}

const PONG = '{"type":"pong"}';
/** `{"type":"pong","ref"?:...}` */
export function pongFrame(ref: string | undefined): string {
  return ref === undefined ? PONG : `{"type":"pong","ref":${JSON.stringify(ref)}}`;
}

/** `{"type":"error","code":...,"message":...,"ref"?:...}` */
export function errorFrame(code: ErrorCode, message: string, ref: string | undefined): string {
  return encodeServerMessage(
    ref === undefined ? { type: 'error', code, message } : { type: 'error', code, message, ref },
  );
}

/** `{"type":"presence",...}` */
export function presenceFrame(user: string, device: string, state: 'online' | 'offline'): string {
  return `{"type":"presence","user":"${user}","device":"${device}","state":"${state}"}`;
}

/** `{"type":"presence.snapshot",...}` */
export function presenceSnapshotFrame(online: DeviceAddress[], ref: string | undefined): string {
  return encodeServerMessage(
    ref === undefined ? { type: 'presence.snapshot', online } : { type: 'presence.snapshot', online, ref },
  );
}

/** `{"type":"reconnect","afterMs":...}` */
export function reconnectFrame(afterMs: number): string {
  return `{"type":"reconnect","afterMs":${afterMs}}`;
}
