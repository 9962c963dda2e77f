// The signaling wire codec on the client side: our request frames checked and serialized before
// they leave, the server's frames parsed and validated before anything acts on them.
import { ClientMessage, MAX_WS_PAYLOAD_BYTES, ServerMessage } from '@hypersend/protocol';
import { HypersendError } from '../errors.ts';

/**
 * `frame` with its request `id`, validated and serialized; an error (nothing to send) when it
 * breaks the schema or exceeds the 64 KiB frame limit. Our own frames are validated too: the
 * server counts malformed frames as strikes and closes after a few.
 *
 * @example
 * const text = encodeRequest({ type: 'ping' }, 'r1', 'ping');
 * if (typeof text === 'string') ws.send(text);
 */
export function encodeRequest(frame: ClientMessage, id: string, what: string): string | HypersendError {
  const checked = ClientMessage.safeParse({ ...frame, id });
  if (!checked.success) {
    const issue = checked.error.issues[0];
    return HypersendError.invalidArgument(`${what}: ${issue?.path.join('.')} ${issue?.message}`);
  }
  const text = JSON.stringify(checked.data);
  if (new TextEncoder().encode(text).length > MAX_WS_PAYLOAD_BYTES)
    return new HypersendError('frame_too_large', `${what}: frame exceeds 64 KiB`);
  return text;
}

/**
 * A server frame as a typed message, or why it is ignored (binary, not JSON, or not a
 * `ServerMessage`) — ignored rather than fatal, so one bad frame never drops the connection.
 *
 * @example
 * const r = decodeServerFrame(event.data);
 * if (r.ok) dispatch(r.msg); else log.warn({ issue: r.issue }, r.reason);
 */
export function decodeServerFrame(
  data: unknown,
): { ok: true; msg: ServerMessage } | { ok: false; reason: string; issue?: string } {
  if (typeof data !== 'string') return { ok: false, reason: 'ignoring binary frame' };
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return { ok: false, reason: 'ignoring frame that is not JSON' };
  }
  const parsed = ServerMessage.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]?.message;
    return { ok: false, reason: 'ignoring invalid server frame', ...(issue === undefined ? {} : { issue }) };
  }
  return { ok: true, msg: parsed.data };
}
