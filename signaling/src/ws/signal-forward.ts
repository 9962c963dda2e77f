import { acceptedByFastPath, type SignalRequest } from '@hypersend/protocol';
import type { Connection } from './connection.ts';

/**
 * Forwarding a signal without re-serialising its payload. `signalFrame` pays `JSON.stringify`
 * for `data` (a 5 KB SDP: ~30 µs, every `\r\n` escaped again). Here the forwarded frame is the
 * sender's prebuilt head (`from`, `kind`, `sid`) followed by the `data` member's text exactly as
 * the client sent it.
 *
 * This is only done for a frame that `decodeClientMessage` has already parsed and validated as
 * a signal on its fast path (`acceptedByFastPath`: the text is valid JSON, `data` is an object,
 * and the decoded value is exactly what the text says); the scanner here only finds where the
 * top-level `data` value starts and ends. Anything it does not understand with certainty (an
 * escaped top-level key, which could decode to `data`) makes it answer null, and the caller
 * falls back to `signalFrame`. The result parses to the same value as `signalFrame`'s output
 * (`signal-forward.test.ts` checks this on generated frames): whitespace, escapes and number
 * spelling may differ, never the decoded JSON.
 *
 * The frame stays a string: a variant building it as bytes (a pooled `Buffer` per signal, no
 * UTF-8 conversion in uWS) did not beat the old path end to end in our runs; this one did.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * Index after the string whose opening quote is at `t[i]`, or -1. The closing quote is found
 * with `indexOf` (a native scan: payload strings such as SDP run to kilobytes); a quote is
 * escaped when an odd number of backslashes precedes it, which inside a valid JSON string is exact.
 */
function skipString(t: string, i: number): number {
  let j = t.indexOf('"', i + 1);
  while (j > 0) {
    let backslashes = 0;
    while (t.charCodeAt(j - 1 - backslashes) === BACKSLASH) backslashes += 1;
    if ((backslashes & 1) === 0) return j + 1;
    j = t.indexOf('"', j + 1);
  }
  return -1;
}

/** Index after the JSON value starting at `t[i]`, or -1. Assumes valid JSON. */
function skipValue(t: string, i: number): number {
  const n = t.length;
  const first = t.charCodeAt(i);
  if (first === QUOTE) return skipString(t, i);
  if (first === OPEN_OBJECT || first === OPEN_ARRAY) {
    let depth = 0;
    let j = i;
    while (j < n) {
      const c = t.charCodeAt(j);
      if (c === QUOTE) {
        j = skipString(t, j);
        if (j < 0) return -1;
        continue;
      }
      if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth += 1;
      else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        depth -= 1;
        if (depth === 0) return j + 1;
      }
      j += 1;
    }
    return -1;
  }
  // A number, true, false or null: up to the next delimiter.
  let j = i;
  while (j < n) {
    const c = t.charCodeAt(j);
    if (c === COMMA || c === CLOSE_OBJECT || c === CLOSE_ARRAY || isSpace(c)) break;
    j += 1;
  }
  return j;
}

/** Where the last top-level `data` member's value lies; written by `locateData`. */
const span = { start: 0, end: 0 };

/**
 * Find the value of the top-level `data` member of a frame that is known to be a valid JSON
 * object (into `span`, as string indices), taking the last one as `JSON.parse` does. False when
 * the frame has no such member or anything the scan does not take with certainty.
 */
export function locateData(t: string): boolean {
  const n = t.length;
  let i = 0;
  while (i < n && isSpace(t.charCodeAt(i))) i += 1;
  if (t.charCodeAt(i) !== OPEN_OBJECT) return false;
  i += 1;
  let found = false;
  while (i < n) {
    while (i < n && isSpace(t.charCodeAt(i))) i += 1;
    const c = t.charCodeAt(i);
    if (c === CLOSE_OBJECT) return found;
    if (c !== QUOTE) return false;
    const keyEnd = t.indexOf('"', i + 1);
    if (keyEnd < 0) return false;
    // An escaped key may decode to `data` (`"d\u0061ta"`): leave such frames to the slow path.
    for (let k = i + 1; k < keyEnd; k++) if (t.charCodeAt(k) === BACKSLASH) return false;
    const isData = keyEnd - i === 5 && t.startsWith('data', i + 1);
    i = keyEnd + 1;
    while (i < n && isSpace(t.charCodeAt(i))) i += 1;
    if (t.charCodeAt(i) !== COLON) return false;
    i += 1;
    while (i < n && isSpace(t.charCodeAt(i))) i += 1;
    const valueStart = i;
    i = skipValue(t, i);
    if (i < 0) return false;
    if (isData) {
      span.start = valueStart;
      span.end = i;
      found = true;
    }
    while (i < n && isSpace(t.charCodeAt(i))) i += 1;
    const next = t.charCodeAt(i);
    if (next === COMMA) i += 1;
    else return next === CLOSE_OBJECT && found;
  }
  return false;
}

/** The head of a forwarded signal up to `"data":`, cached per connection for its last kind and session. */
function forwardHead(conn: Connection, msg: SignalRequest): string {
  const cached = conn.forwardHead;
  if (cached !== null && conn.forwardKind === msg.kind && conn.forwardSid === msg.sid) return cached;
  // Ids and kinds are `[A-Za-z0-9_-]` (protocol schemas), so the head needs no escaping.
  const head = `${conn.signalHead}${msg.kind}","sid":"${msg.sid}","data":`;
  conn.forwardHead = head;
  conn.forwardKind = msg.kind;
  conn.forwardSid = msg.sid;
  return head;
}

/** The text frame a client sent, as the message handler holds it during its synchronous call. */
export interface ReceivedFrame {
  text: string;
}

/**
 * The forwarded frame for validated signal `msg` from `conn`, built from the frame's text as
 * received; null when the payload could not be located with certainty (use `signalFrame`).
 *
 * @example
 * const frame = forwardSignal(conn, msg, received) ?? signalFrame(conn.signalHead, msg);
 */
export function forwardSignal(conn: Connection, msg: SignalRequest, received: ReceivedFrame): string | null {
  const { text } = received;
  if (!acceptedByFastPath(msg) || !locateData(text)) return null;
  return `${forwardHead(conn, msg)}${text.slice(span.start, span.end)}}`;
}
