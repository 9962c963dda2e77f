import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ClientMessage, type DecodeResult, decodeClientMessage } from './signaling.ts';

/**
 * Property-based fuzz of the trust boundary: `decodeClientMessage` must never throw, must
 * answer every invalid input with `{ ok: false, code: 'bad_message' }`, must echo a valid
 * request id as `ref`, and every valid message must survive encode → decode unchanged.
 */

const RUNS = 2_000;
const TYPES = ['signal', 'ping', 'presence.query'] as const;
const KINDS = ['offer', 'answer', 'candidate', 'renegotiate'] as const;

const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const requestId = fc.string({ minLength: 1, maxLength: 64 });
// No `__proto__` key: the schema's record drops it, so such a payload does not round-trip
// unchanged (by design; signaling-fast.test.ts pins that case down).
const data = fc.dictionary(
  fc.string({ maxLength: 12 }).filter((k) => k !== '__proto__'),
  fc.jsonValue({ maxDepth: 3 }),
  { maxKeys: 6 },
);

const signal = fc.record(
  {
    type: fc.constant('signal' as const),
    id: requestId,
    to: fc.record({ user: id, device: id }),
    kind: fc.constantFrom(...KINDS),
    sid: id,
    data,
  },
  { requiredKeys: ['type', 'to', 'kind', 'sid', 'data'] },
);
const ping = fc.record({ type: fc.constant('ping' as const), id: requestId }, { requiredKeys: ['type'] });
const presenceQuery = fc.record(
  {
    type: fc.constant('presence.query' as const),
    id: requestId,
    users: fc.array(id, { minLength: 1, maxLength: 256 }),
  },
  { requiredKeys: ['type', 'users'] },
);
const validMessage: fc.Arbitrary<ClientMessage> = fc.oneof(signal, ping, presenceQuery);

const REQUIRED: Record<(typeof TYPES)[number], string[]> = {
  signal: ['type', 'to', 'kind', 'sid', 'data'],
  ping: ['type'],
  'presence.query': ['type', 'users'],
};
const KNOWN_KEYS = new Set(['type', 'id', 'to', 'kind', 'sid', 'data', 'users']);

type Json = Record<string, unknown>;
/** Ways to break a valid message; each one must make it invalid. */
const mutation: fc.Arbitrary<(m: Json) => Json | null> = fc.oneof(
  // Drop a required field.
  fc.nat().map((n) => (m: Json) => {
    const required = REQUIRED[m.type as keyof typeof REQUIRED].filter((k) => k !== 'type');
    if (required.length === 0) return null;
    const copy = { ...m };
    delete copy[required[n % required.length] as string];
    return copy;
  }),
  // Add a field the schema does not know (strict objects).
  fc
    .tuple(
      fc.string({ minLength: 1, maxLength: 10 }).filter((k) => !KNOWN_KEYS.has(k)),
      fc.jsonValue({ maxDepth: 1 }),
    )
    .map(
      ([k, v]) =>
        (m: Json) =>
          JSON.parse(`{${JSON.stringify(m).slice(1, -1)},${JSON.stringify(k)}:${JSON.stringify(v)}}`),
    ),
  // An unknown type.
  fc
    .string()
    .filter((t) => !(TYPES as readonly string[]).includes(t))
    .map((t) => (m: Json) => ({ ...m, type: t })),
  // A required field of the wrong type.
  fc.constantFrom<unknown>(42, null, true, [], 'not an id!', { $gt: '' }).chain((v) =>
    fc.nat().map((n) => (m: Json) => {
      const keys = REQUIRED[m.type as keyof typeof REQUIRED].filter((k) => k !== 'type');
      if (keys.length === 0) return { ...m, type: v };
      const key = keys[n % keys.length] as string;
      if (key === 'data' && typeof v === 'object' && v !== null && !Array.isArray(v)) return null;
      return { ...m, [key]: v };
    }),
  ),
  // An id outside the allowed alphabet or length.
  fc.constantFrom('', '../etc', 'a b', 'x'.repeat(65), '$gt', 'é').map((bad) => (m: Json) => {
    if (m.type === 'signal') return { ...m, to: { ...(m.to as Json), device: bad } };
    if (m.type === 'presence.query') return { ...m, users: [bad] };
    return null;
  }),
);

function expectBad(result: DecodeResult<ClientMessage>): void {
  expect(result.ok).toBe(false);
  if (!result.ok) {
    expect(result.code).toBe('bad_message');
    expect(typeof result.message).toBe('string');
  }
}

describe('decodeClientMessage (fuzz)', () => {
  it('never throws on arbitrary strings, and anything accepted is a valid message', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.json()), (text) => {
        const result = decodeClientMessage(text);
        if (result.ok) expect(TYPES).toContain(result.value.type);
        else expect(result.code).toBe('bad_message');
      }),
      { numRuns: RUNS },
    );
  });

  it('answers arbitrary JSON values that are not messages with bad_message', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = decodeClientMessage(JSON.stringify(value));
        if (result.ok) expect(JSON.parse(JSON.stringify(result.value))).toEqual(value);
        else expect(result.code).toBe('bad_message');
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws on random bytes (binary frames)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const result = decodeClientMessage(bytes);
        if (!result.ok) expect(result.code).toBe('bad_message');
        const viaBuffer = decodeClientMessage(bytes.slice().buffer);
        expect(viaBuffer.ok).toBe(result.ok);
      }),
      { numRuns: RUNS },
    );
  });

  it('round-trips every valid message, as text and as bytes', () => {
    fc.assert(
      fc.property(validMessage, (msg) => {
        const text = JSON.stringify(msg);
        const expected = JSON.parse(text);
        for (const frame of [text, new TextEncoder().encode(text)]) {
          const result = decodeClientMessage(frame);
          expect(result).toEqual({ ok: true, value: expected });
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('rejects every mutated message with bad_message, echoing a valid id as ref', () => {
    fc.assert(
      fc.property(validMessage, mutation, (msg, mutate) => {
        const broken = mutate(JSON.parse(JSON.stringify(msg)) as Json);
        fc.pre(broken !== null);
        const result = decodeClientMessage(JSON.stringify(broken));
        expectBad(result);
        if (!result.ok && broken !== null && broken.id === msg.id) expect(result.ref).toBe(msg.id);
      }),
      { numRuns: RUNS },
    );
  });

  it('rejects malformed frames with bad_message', () => {
    for (const frame of ['', '{', 'null', '[]', '"ping"', '{"type":"ping"', '\u0000', '{"type":"PING"}']) {
      expectBad(decodeClientMessage(frame));
    }
    expectBad(decodeClientMessage(new Uint8Array([0xff, 0xfe, 0x00])));
    expect(decodeClientMessage('{"type":"nope","id":"r1"}')).toMatchObject({ ok: false, ref: 'r1' });
  });
});
