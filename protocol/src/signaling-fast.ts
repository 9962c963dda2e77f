import { Id } from './ids.ts';
import { DeviceAddress, SignalKind, SignalRequest } from './signaling.ts';

/**
 * Hand-written check of a parsed `signal` frame, the one frame type that arrives tens of
 * thousands of times per second. It accepts exactly what `SignalRequest` accepts (the property
 * test `signaling-fast.test.ts` compares both on valid and mutated frames); anything it does not
 * accept goes through the schema, which also words the error. Every constant it checks against
 * is read from the zod schemas at load time, so the schemas stay the single source of truth.
 */

/**
 * Constants of the check, read from the schemas on first use rather than at load time:
 * `signaling.ts` imports this module, so its schemas do not exist yet while this one loads.
 */
interface FastConstants {
  /** The pattern of an `Id`, taken from the schema's regex check. */
  idPattern: RegExp;
  kinds: ReadonlySet<string>;
  requestIdMin: number;
  requestIdMax: number;
  /** Keys of the strict objects, from their shapes, and how many of the signal's are required. */
  signalKeys: ReadonlySet<string>;
  requiredSignalKeys: number;
  addressKeys: ReadonlySet<string>;
}
let constants: FastConstants | undefined;
/** The frame `parseSignalFast` accepted last (see `acceptedByFastPath`). */
let lastAccepted: object | undefined;

function init(): FastConstants {
  const requestId = SignalRequest.shape.id.unwrap();
  const shape: Record<string, { safeParse(v: unknown): { success: boolean } }> = SignalRequest.shape;
  const signalKeys = Object.keys(shape);
  return {
    idPattern: regexOf(Id),
    kinds: new Set(SignalKind.options),
    requestIdMin: requestId.minLength ?? 0,
    requestIdMax: requestId.maxLength ?? Number.POSITIVE_INFINITY,
    signalKeys: new Set(signalKeys),
    requiredSignalKeys: signalKeys.filter((k) => !shape[k]?.safeParse(undefined).success).length,
    addressKeys: new Set(Object.keys(DeviceAddress.shape)),
  };
}

function regexOf(schema: typeof Id): RegExp {
  for (const check of schema._zod.def.checks ?? []) {
    const def = check._zod.def as { format?: unknown; pattern?: unknown };
    if (def.format === 'regex' && def.pattern instanceof RegExp) return def.pattern;
  }
  // A schema change that drops the regex must not silently loosen the fast path.
  throw new Error('Id schema has no regex check; update protocol/src/signaling-fast.ts');
}

const isId = (v: unknown, pattern: RegExp): boolean => typeof v === 'string' && pattern.test(v);

type JsonObject = Record<string, unknown>;

/** A JSON object that is not an array (JSON.parse only ever makes plain objects). */
function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The parsed frame as a `SignalRequest` when it is a valid signal; undefined otherwise (invalid,
 * another type, or a case left to the schema). Returns the parsed object itself: its own keys
 * are exactly the schema's output keys, so no copy is needed.
 *
 * @example
 * const json = JSON.parse(text);
 * const signal = parseSignalFast(json) ?? ClientMessage.safeParse(json);
 */
export function parseSignalFast(json: unknown): SignalRequest | undefined {
  if (!isObject(json) || json.type !== 'signal') return undefined;
  constants ??= init();
  const c = constants;
  let required = 0;
  // for…in sees own keys, including an own `__proto__` from JSON.parse, which is rejected here
  // exactly as the strict schema rejects it.
  for (const key in json) {
    if (!c.signalKeys.has(key)) return undefined;
    if (key !== 'id') required += 1;
  }
  if (required !== c.requiredSignalKeys) return undefined;
  const id = json.id;
  if (
    id !== undefined &&
    (typeof id !== 'string' || id.length < c.requestIdMin || id.length > c.requestIdMax)
  )
    return undefined;
  const to = json.to;
  if (!isObject(to)) return undefined;
  let keys = 0;
  for (const key in to) {
    if (!c.addressKeys.has(key)) return undefined;
    keys += 1;
  }
  if (keys !== c.addressKeys.size || !isId(to.user, c.idPattern) || !isId(to.device, c.idPattern))
    return undefined;
  if (typeof json.kind !== 'string' || !c.kinds.has(json.kind) || !isId(json.sid, c.idPattern))
    return undefined;
  const data = json.data;
  // The schema's record drops an own `__proto__` key from `data`; rather than mimic that, such a
  // frame takes the schema path, whose output is then the decoded value.
  if (!isObject(data) || Object.hasOwn(data, '__proto__')) return undefined;
  lastAccepted = json;
  return json as SignalRequest;
}

/**
 * True when `msg` is the frame this fast path accepted last: `JSON.parse`'s own output,
 * validated and not rewritten by the schema (which drops an own `__proto__` key from `data`).
 * For such a frame the bytes as received decode to exactly `msg`, so the server may forward its
 * payload bytes instead of re-serialising it (signaling/src/ws/signal-forward.ts). Only
 * meaningful right after `decodeClientMessage` returned `msg`, in the same synchronous turn.
 *
 * @example
 * const r = decodeClientMessage(text);
 * if (r.ok && r.value.type === 'signal' && acceptedByFastPath(r.value)) forwardBytes(raw);
 */
export function acceptedByFastPath(msg: object): boolean {
  return msg === lastAccepted;
}
