import { decodeClientMessage, type SignalRequest } from '@hypersend/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createConnection } from './connection.ts';
import { signalFrame, signalPrefix } from './frames.ts';
import { forwardSignal, locateData } from './signal-forward.ts';

/**
 * A forwarded signal built from the text as received must decode to exactly what the
 * re-serialising `signalFrame` produces, for any frame the decoder accepts; and whenever the
 * scan is unsure it must give up (null) rather than forward something else.
 */

const conn = () =>
  createConnection(
    { userId: 'u1', deviceId: 'd1', ip: '127.0.0.1', expiresAt: 0, tokenId: 't' },
    { wsRatePerSecond: 1, wsBurst: 1 },
    0,
    signalPrefix({ user: 'u1', device: 'd1' }),
  );

/** Decode as the message handler does, then forward; null when not a valid signal. */
function both(text: string): { forwarded: unknown; expected: unknown } | null {
  const decoded = decodeClientMessage(text);
  if (!decoded.ok || decoded.value.type !== 'signal') return null;
  const msg = decoded.value as SignalRequest;
  const c = conn();
  const out = forwardSignal(c, msg, { text });
  return {
    forwarded: out === null ? null : JSON.parse(out),
    expected: JSON.parse(signalFrame(c.signalHead, msg)),
  };
}

const ws = fc.constantFrom('', ' ', '\n', '\t ', ' \r\n ');
const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
const oddKey = fc.constantFrom(
  'data',
  'd\\u0061ta',
  '__proto__',
  '\\u005f_proto__',
  'a"b',
  'x\\\\',
  '}',
  '{"data":1}',
);

/** JSON text of a value, with random whitespace around structural characters. */
function spaced(value: unknown, pad: string): string {
  const text = JSON.stringify(value) ?? 'null';
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else out += '{}[],:'.includes(c) ? `${pad}${c}${pad}` : c;
  }
  return out;
}

const frameText = fc
  .record({
    pad: ws,
    to: fc.record({ user: id, device: id }),
    kind: fc.constantFrom('offer', 'answer', 'candidate', 'renegotiate'),
    sid: id,
    id: fc.option(fc.string({ minLength: 1, maxLength: 8 }), { nil: undefined }),
    data: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }),
    rawDataKeys: fc.array(fc.tuple(oddKey, fc.jsonValue({ maxDepth: 1 })), { maxLength: 2 }),
    duplicateData: fc.option(fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }), {
      nil: undefined,
    }),
    escapedTopKey: fc.boolean(),
    order: fc.nat(),
  })
  .map((f) => {
    const pad = f.pad;
    // `data` as text, with some raw keys (escaped, __proto__) spliced in as a client may send them.
    const inner = spaced(f.data, pad).trim();
    const extra = f.rawDataKeys.map(([k, v]) => `"${k}"${pad}:${pad}${JSON.stringify(v)}`).join(',');
    const dataText = extra === '' ? inner : inner === '{}' ? `{${extra}}` : `${inner.slice(0, -1)},${extra}}`;
    const members = [
      `"type":${pad}"signal"`,
      `"to":${pad}${spaced(f.to, pad)}`,
      `"kind":"${f.kind}"`,
      `${f.escapedTopKey ? '"s\\u0069d"' : '"sid"'}:"${f.sid}"`,
      `"data":${pad}${dataText}`,
    ];
    if (f.id !== undefined) members.push(`"id":${JSON.stringify(f.id)}`);
    if (f.duplicateData !== undefined) members.push(`"data":${spaced(f.duplicateData, pad)}`);
    const r = f.order % members.length;
    return `${pad}{${pad}${[...members.slice(r), ...members.slice(0, r)].join(`${pad},${pad}`)}${pad}}${pad}`;
  });

describe('forwardSignal', () => {
  it('forwards exactly what signalFrame would, or gives up', () => {
    let forwarded = 0;
    let gaveUp = 0;
    fc.assert(
      fc.property(frameText, (text) => {
        const r = both(text);
        if (r === null) return;
        if (r.forwarded === null) gaveUp += 1;
        else {
          forwarded += 1;
          expect(r.forwarded).toStrictEqual(r.expected);
        }
      }),
      { numRuns: 3_000 },
    );
    // Both branches must be exercised for the property to mean anything.
    expect(forwarded).toBeGreaterThan(500);
    expect(gaveUp).toBeGreaterThan(50);
  });

  it('takes the last top-level data member, as JSON.parse does', () => {
    const text =
      '{"type":"signal","data":{"a":1},"to":{"user":"u2","device":"d2"},"kind":"offer","sid":"s","data":{"b":[1,{"data":2}]}}';
    expect(both(text)?.forwarded).toMatchObject({
      data: { b: [1, { data: 2 }] },
      from: { user: 'u1', device: 'd1' },
    });
  });

  it('gives up on a frame whose payload the schema rewrote (an own __proto__ in data) or an escaped key', () => {
    const proto =
      '{"type":"signal","to":{"user":"u2","device":"d2"},"kind":"offer","sid":"s","data":{"__proto__":{"x":1},"a":2}}';
    expect(both(proto)).toEqual({ forwarded: null, expected: expect.objectContaining({ data: { a: 2 } }) });
    expect(locateData('{"d\\u0061ta":{}}')).toBe(false);
    expect(locateData(' {"data" : { "s": "}\\"{\\\\" } , "x":[{"y":"]"}] } ')).toBe(true);
    // Non-ASCII text is forwarded as it came (the frame is a string; uWS encodes it as UTF-8).
    const text =
      '{"type":"signal","to":{"user":"u2","device":"d2"},"kind":"offer","sid":"s","data":{"é":"😀\\u00e9"}}';
    const r = both(text);
    expect(r?.forwarded).not.toBeNull();
    expect(r?.forwarded).toStrictEqual(r?.expected);
  });

  it('reuses the head for consecutive signals of one session and rebuilds it for another', () => {
    const c = conn();
    const frame = (sid: string) =>
      `{"type":"signal","to":{"user":"u2","device":"d2"},"kind":"candidate","sid":"${sid}","data":{"n":1}}`;
    const send = (sid: string) => {
      const d = decodeClientMessage(frame(sid));
      if (!d.ok || d.value.type !== 'signal') throw new Error('not a signal');
      return JSON.parse(forwardSignal(c, d.value, { text: frame(sid) }) ?? 'null');
    };
    expect(send('s1').sid).toBe('s1');
    const head = c.forwardHead;
    expect(send('s1').sid).toBe('s1');
    expect(c.forwardHead).toBe(head);
    expect(send('s2').sid).toBe('s2');
    expect(c.forwardHead).not.toBe(head);
  });
});
