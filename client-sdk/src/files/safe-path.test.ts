import { isAbsolute, join, relative, sep } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SEGMENT_BYTES, sanitizeRelativePath } from './safe-path.ts';

const bytes = (s: string): number => new TextEncoder().encode(s).length;
// String.prototype.isWellFormed is ES2024, beyond this repo's lib setting.
const wellFormed = (s: string): boolean =>
  !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/u.test(s);

describe('sanitizeRelativePath: rejected classes', () => {
  it.each([
    ['', 'empty'],
    ['/etc/passwd', 'absolute'],
    ['//server/share/x', 'absolute'],
    ['C:/Windows/x', 'absolute'],
    ['c:x', 'absolute'],
    ['..', 'dot_segment'],
    ['../x', 'dot_segment'],
    ['a/../../x', 'dot_segment'],
    ['a/./b', 'dot_segment'],
    ['a//b', 'empty_segment'],
    ['a/', 'empty_segment'],
    ['a/.../b', 'empty_segment'],
    ['a\\..\\b', 'backslash'],
    ['dir\\file', 'backslash'],
    ['a\u0000b', 'nul'],
    ['a\nb', 'control_char'],
    ['a\rb', 'control_char'],
    ['a\u001bb', 'control_char'],
    ['a\u007fb', 'control_char'],
    ['a\u0085b', 'control_char'],
    ['a\u009fb', 'control_char'],
    ['a\u2028b', 'control_char'],
    ['invoice\u202Efdp.exe', 'bidi_char'],
    ['a\u202Ab', 'bidi_char'],
    ['a\u2066b', 'bidi_char'],
    ['a\u2069b', 'bidi_char'],
    ['a\u200Eb', 'bidi_char'],
    ['a\u200Fb', 'bidi_char'],
    ['a\u061Cb', 'bidi_char'],
    ['a\ud800b', 'invalid_unicode'],
    ['.hypersend/t1/progress.json', 'reserved_name'],
    ['x/.HyperSend', 'reserved_name'],
    [Array.from({ length: 33 }, () => 'd').join('/'), 'too_deep'],
  ])('%j → %s', (input, code) => {
    const r = sanitizeRelativePath(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.code).toBe(code);
  });

  it('rejects non-strings and overlong total paths', () => {
    expect(sanitizeRelativePath(42)).toMatchObject({ ok: false, code: 'not_string' });
    const long = Array.from({ length: 20 }, () => 'x'.repeat(200)).join('/');
    expect(sanitizeRelativePath(long)).toMatchObject({ ok: false, code: 'too_long' });
  });
});

describe('sanitizeRelativePath: repaired classes', () => {
  it.each([
    ['photos/2024/cat.jpg', 'photos/2024/cat.jpg', false],
    ['CON', '_CON', true],
    ['con.txt', '_con.txt', true],
    ['dir/NUL.tar.gz', 'dir/_NUL.tar.gz', true],
    ['COM1', '_COM1', true],
    ['lpt9.log', '_lpt9.log', true],
    ['COM\u00b9', '_COM\u00b9', true],
    ['CON .txt', '_CON .txt', true],
    ['CONSOLE.txt', 'CONSOLE.txt', false],
    ['name.', 'name', true],
    ['name. . ', 'name', true],
    ['ab:c?d*.txt', 'ab_c_d_.txt', true],
    ['x/a<b>"c|.txt', 'x/a_b__c_.txt', true],
    ['..name', '..name', false],
    ['.hidden', '.hidden', false],
    ['e\u0301.txt', '\u00e9.txt', false], // NFC, not reported as a change
  ])('%j → %j', (input, path, changed) => {
    expect(sanitizeRelativePath(input)).toEqual({ ok: true, path, segments: path.split('/'), changed });
  });

  it('refuses a segment that is only dots and spaces', () => {
    expect(sanitizeRelativePath('a/. .')).toMatchObject({ ok: false, code: 'empty_segment' });
  });

  it('truncates a 256-byte segment to 255 bytes, keeping the extension', () => {
    const name = `${'a'.repeat(252)}.txt`; // 256 bytes
    const r = sanitizeRelativePath(`dir/${name}`);
    expect(r.ok && r.changed).toBe(true);
    if (!r.ok) return;
    const seg = r.segments[1] as string;
    expect(bytes(seg)).toBe(255);
    expect(seg.endsWith('.txt')).toBe(true);
  });

  it('truncates on UTF-8 boundaries (3-byte and 4-byte characters)', () => {
    for (const ch of ['\u20ac', '\u{1F600}']) {
      const r = sanitizeRelativePath(`${ch.repeat(100)}.png`);
      expect(r.ok).toBe(true);
      if (!r.ok) continue;
      const seg = r.path;
      expect(bytes(seg)).toBeLessThanOrEqual(MAX_SEGMENT_BYTES);
      expect(seg.endsWith('.png')).toBe(true);
      expect(wellFormed(seg)).toBe(true);
      expect(seg.slice(0, -4)).toBe(ch.repeat([...seg.slice(0, -4)].length));
    }
  });

  it('drops an extension too long to keep', () => {
    const r = sanitizeRelativePath(`a.${'b'.repeat(300)}`);
    expect(r.ok && bytes(r.path)).toBe(255);
  });

  it('re-checks device names after truncation', () => {
    const r = sanitizeRelativePath(`CON${' '.repeat(300)}x.txt`);
    expect(r).toMatchObject({ ok: true, path: '_CON.txt' });
  });
});

describe('sanitizeRelativePath: properties', () => {
  const forbidden =
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the test asserts these never survive
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\\<>:"|?*]/u;
  const piece = fc.oneof(
    fc.constantFrom(
      '..',
      '.',
      '',
      '/',
      '\\',
      '\u0000',
      '\n',
      '\u202e',
      'CON',
      'nul.txt',
      ' ',
      '.',
      'a',
      'é',
      '\u{1F600}',
      'C:',
    ),
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.string({ unit: 'grapheme', minLength: 200, maxLength: 300 }),
  );
  const candidate = fc.array(piece, { maxLength: 12 }).map((parts) => parts.join(''));

  it('never escapes the root and never keeps a forbidden character', () => {
    const root = join(sep, 'srv', 'root');
    fc.assert(
      fc.property(candidate, (input) => {
        const r = sanitizeRelativePath(input);
        if (!r.ok) return;
        const rel = relative(root, join(root, ...r.segments));
        expect(rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)).toBe(false);
        expect(r.segments.join('/')).toBe(r.path);
        for (const s of r.segments) {
          expect(s).not.toBe('.');
          expect(s).not.toBe('..');
          expect(s.includes('/')).toBe(false);
          expect(forbidden.test(s)).toBe(false);
          expect(bytes(s)).toBeGreaterThan(0);
          expect(bytes(s)).toBeLessThanOrEqual(MAX_SEGMENT_BYTES);
          expect(/[. ]$/u.test(s)).toBe(false);
          expect(wellFormed(s)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(candidate, (input) => {
        const r = sanitizeRelativePath(input);
        if (r.ok) expect(sanitizeRelativePath(r.path)).toEqual({ ...r, changed: false });
      }),
      { numRuns: 1000 },
    );
  });
});
