import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClientMessage, decodeClientMessage, SignalKind, SignalRequest } from './signaling.ts';
import { parseSignalFast } from './signaling-fast.ts';

/**
 * The fast path must be exactly as strict as the schema: on every frame, valid or broken, both
 * accept or both reject, and an accepted frame decodes to the same value. Frames are built as JSON
 * text, so keys like `__proto__` become own keys exactly as they do on the wire.
 */

const RUNS = 5_000;
const KINDS = SignalKind.options;

const validId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
/** Ids that are valid, nearly valid (length 0 or 65+, one bad character) or anything at all. */
const idLike = fc.oneof(
  { weight: 6, arbitrary: validId },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{0,70}$/) },
  { weight: 1, arbitrary: fc.string({ maxLength: 70 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', 'a\n', '\n', 'é', 'a b', 'a/b', '$gt', 'x'.repeat(64), 'x'.repeat(65)),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
);
const requestIdLike = fc.oneof(
  { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 64 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 0, maxLength: 70, unit: 'binary' }) },
  { weight: 1, arbitrary: fc.constantFrom('', 'x'.repeat(64), 'x'.repeat(65), '\ud800') },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
);
const kindLike = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KINDS) },
  { weight: 1, arbitrary: fc.constantFrom('Offer', 'offer ', '', 'constructor', 'toString') },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
);
const ODD_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'ID', 'Type', ''];
const dataKey = fc.oneof({ weight: 5, arbitrary: fc.string({ maxLength: 8 }) }, fc.constantFrom(...ODD_KEYS));
const dataLike = fc.oneof(
  { weight: 6, arbitrary: fc.array(fc.tuple(dataKey, fc.jsonValue({ maxDepth: 2 })), { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
);

/** null nine times in ten: each breakage is rare, so many frames stay valid. */
const rarely = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });

type Entry = [key: string, text: string];
const entry = (key: string, value: unknown): Entry => [key, JSON.stringify(value)];
const objectText = (entries: Entry[]): string =>
  `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;

/** `data` as object text when drawn as entries, otherwise the drawn JSON value. */
const dataText = (d: unknown): string =>
  Array.isArray(d) && d.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string')
    ? objectText((d as Array<[string, unknown]>).map(([k, v]) => entry(k, v)))
    : JSON.stringify(d);

/** A signal-shaped frame where every member may be missing, wrong, doubled or joined by strangers. */
const frame = fc
  .record({
    type: fc.oneof({ weight: 8, arbitrary: fc.constant('signal') }, fc.jsonValue({ maxDepth: 1 })),
    id: fc.oneof(fc.constant(undefined), requestIdLike),
    to: fc.oneof(
      { weight: 8, arbitrary: fc.record({ user: idLike, device: idLike }) },
      { weight: 1, arbitrary: fc.record({ user: idLike }) },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
    ),
    toExtra: rarely(fc.tuple(fc.constantFrom(...ODD_KEYS, 'user2', 'x'), fc.jsonValue({ maxDepth: 1 }))),
    kind: kindLike,
    sid: idLike,
    data: dataLike,
    drop: rarely(fc.constantFrom('type', 'to', 'kind', 'sid', 'data')),
    extra: rarely(
      fc.tuple(fc.constantFrom(...ODD_KEYS, 'users', 'from', 'x'), fc.jsonValue({ maxDepth: 1 })),
    ),
    order: fc.nat(),
  })
  .map((f) => {
    const toEntries: Entry[] =
      typeof f.to === 'object' && f.to !== null && !Array.isArray(f.to)
        ? Object.entries(f.to).map(([k, v]) => entry(k, v))
        : [];
    if (f.toExtra !== null) toEntries.push(entry(f.toExtra[0], f.toExtra[1]));
    const toText =
      typeof f.to === 'object' && f.to !== null && !Array.isArray(f.to)
        ? objectText(toEntries)
        : JSON.stringify(f.to);
    const entries: Entry[] = [
      entry('type', f.type),
      ['to', toText],
      entry('kind', f.kind),
      entry('sid', f.sid),
      ['data', dataText(f.data)],
    ];
    if (f.id !== undefined) entries.push(entry('id', f.id));
    const kept = entries.filter(([k]) => k !== f.drop);
    if (f.extra !== null) kept.push(entry(f.extra[0], f.extra[1]));
    // Rotate the members: the schema does not care about order, neither may the fast path.
    const r = f.order % kept.length;
    return objectText([...kept.slice(r), ...kept.slice(0, r)]);
  });

const hasOwnProtoInData = (json: unknown): boolean => {
  const data = (json as { data?: unknown } | null)?.data;
  return typeof data === 'object' && data !== null && Object.hasOwn(data, '__proto__');
};

/** The decoder as it was before the fast path: JSON.parse, then the schema only. */
function schemaOnly(text: string): { ok: boolean; value?: unknown } {
  const r = ClientMessage.safeParse(JSON.parse(text));
  return r.success ? { ok: true, value: r.data } : { ok: false };
}

describe('parseSignalFast ≡ SignalRequest', () => {
  it('agrees with the schema on accept/reject and on the decoded value', () => {
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(frame, (text) => {
        const json: unknown = JSON.parse(text);
        const fast = parseSignalFast(json);
        // The same parsed value for both: neither mutates it, and members such as an own
        // `constructor` are then the same objects on both sides.
        const schema = SignalRequest.safeParse(json);
        if (hasOwnProtoInData(json)) {
          // Documented deferral: the schema path decides (it drops the key).
          expect(fast).toBeUndefined();
          return;
        }
        expect(fast !== undefined).toBe(schema.success);
        if (fast !== undefined && schema.success) {
          expect(fast).toStrictEqual(schema.data);
          accepted += 1;
        } else rejected += 1;
      }),
      { numRuns: RUNS },
    );
    // The generator must exercise both sides, or the property says little.
    expect(accepted).toBeGreaterThan(RUNS / 10);
    expect(rejected).toBeGreaterThan(RUNS / 10);
  });

  it('decodeClientMessage answers exactly as the schema-only decoder did', () => {
    fc.assert(
      fc.property(frame, (text) => {
        const now = decodeClientMessage(text);
        const before = schemaOnly(text);
        expect(now.ok).toBe(before.ok);
        // toEqual, not toStrictEqual: each side parsed its own copy, so an own `constructor`
        // member differs by identity only.
        if (now.ok) expect(now.value).toEqual(before.value);
      }),
      { numRuns: RUNS },
    );
  });

  it('leaves other frame types and non-objects to the schema', () => {
    for (const v of [null, [], 'signal', 1, { type: 'ping' }, { type: 'presence.query', users: ['u'] }])
      expect(parseSignalFast(v)).toBeUndefined();
  });

  it('defers a data member with an own __proto__ key to the schema', () => {
    const text =
      '{"type":"signal","to":{"user":"u","device":"d"},"kind":"offer","sid":"s","data":{"__proto__":{"x":1},"a":2}}';
    expect(parseSignalFast(JSON.parse(text))).toBeUndefined();
    const decoded = decodeClientMessage(text);
    expect(decoded.ok).toBe(true);
    if (decoded.ok && decoded.value.type === 'signal')
      expect(JSON.stringify(decoded.value.data)).toBe('{"a":2}');
  });
});
