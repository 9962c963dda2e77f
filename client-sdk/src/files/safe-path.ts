// Browser-safe: no Node imports. The filesystem side (symlinks, realpath) is in resolve-inside.ts.

/** Why a manifest path was refused. Stable: callers and tests switch on it. */
export type UnsafePathCode =
  | 'not_string'
  | 'empty'
  | 'absolute'
  | 'empty_segment'
  | 'dot_segment'
  | 'backslash'
  | 'nul'
  | 'control_char'
  | 'bidi_char'
  | 'invalid_unicode'
  | 'reserved_name'
  | 'too_deep'
  | 'too_long';

export type SanitizeResult =
  | {
      ok: true;
      /** NFC-normalised, safe segments; join them with the platform separator. */
      segments: string[];
      /** `segments.join('/')`: the canonical manifest path. */
      path: string;
      /** True when a portability fix was applied (see {@link sanitizeRelativePath}). */
      changed: boolean;
    }
  | { ok: false; code: UnsafePathCode; reason: string };

export interface SanitizeOptions {
  /** Maximum number of segments. Default 32. */
  maxDepth?: number;
  /** Maximum UTF-8 bytes of the joined path. Default 3072, leaving room under Linux PATH_MAX (4096) for the root. */
  maxPathBytes?: number;
}

/** Longest segment in UTF-8 bytes: NAME_MAX on Linux and most other filesystems. */
export const MAX_SEGMENT_BYTES = 255;
/** Name of the receiver's staging folder; a manifest may never write into it. */
export const STAGING_DIR_NAME = '.hypersend';

const MAX_EXTENSION_BYTES = 32;
// C0, DEL, C1, plus U+2028/U+2029 which break lines in UIs and logs just like \n.
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL = /[\u0001-\u001f\u007f-\u009f\u2028\u2029]/u;
// Bidi embeddings/overrides, isolates, marks and the Arabic letter mark: they make `exe.txt` look like `txt.exe`.
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/u;
// Characters Windows (and SMB shares) cannot store; harmless elsewhere, so replaced rather than refused.
const WINDOWS_INVALID = /[<>:"|?*]/gu;
// Windows device names, also with an extension (`CON.txt`) and the superscript digits Windows treats as 1-3.
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[1-9\u00b9\u00b2\u00b3]|lpt[1-9\u00b9\u00b2\u00b3])$/iu;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/u;

const encoder = new TextEncoder();
const utf8Length = (s: string): number => encoder.encode(s).length;

/**
 * Validates a manifest path (`/`-separated, relative) received from a peer and returns safe segments.
 *
 * Policy — refuse what only an attacker or a broken sender produces, repair what is merely unportable:
 * - **Rejected** (whole path): non-string, empty, absolute (`/x`, `C:`, `//host`), empty segments
 *   (`a//b`, trailing `/`), `.` or `..`, backslash, NUL, C0/C1 control characters and U+2028/9, bidi
 *   controls (U+202A–E, U+2066–9, U+200E/F, U+061C), lone surrogates, a segment equal to the staging
 *   folder name `.hypersend`, more than `maxDepth` segments, more than `maxPathBytes` in total.
 * - **Made safe** (`changed: true`): Unicode NFC normalisation (always, not reported as a change);
 *   trailing dots and spaces stripped (Windows drops them silently, creating aliases); `< > : " | ? *`
 *   replaced by `_`; Windows device names (`CON`, `nul.txt`, `COM1`, `LPT9.tar.gz`, …) prefixed with
 *   `_`; a segment over 255 UTF-8 bytes truncated on a code-point boundary, keeping an extension of up
 *   to 32 bytes (`<stem…>.ext`).
 *
 * Repairs can make two different manifest paths equal; the receiver must check for duplicates.
 *
 * @example
 * sanitizeRelativePath('photos/2024/cat.jpg'); // { ok: true, segments: ['photos','2024','cat.jpg'], … }
 * sanitizeRelativePath('../etc/passwd');       // { ok: false, code: 'dot_segment', … }
 * sanitizeRelativePath('CON.txt');             // { ok: true, path: '_CON.txt', changed: true }
 */
export function sanitizeRelativePath(path: unknown, options: SanitizeOptions = {}): SanitizeResult {
  const maxDepth = options.maxDepth ?? 32;
  const maxPathBytes = options.maxPathBytes ?? 3072;
  if (typeof path !== 'string') return fail('not_string', 'path is not a string');
  // Checked before normalisation: NFC never creates or removes these, but a lone surrogate can't be normalised.
  if (LONE_SURROGATE.test(path)) return fail('invalid_unicode', 'path contains a lone surrogate');
  const nfc = path.normalize('NFC');
  if (nfc.length === 0) return fail('empty', 'path is empty');
  if (nfc.includes('\u0000')) return fail('nul', 'path contains NUL');
  if (nfc.includes('\\')) return fail('backslash', 'path contains a backslash');
  if (CONTROL.test(nfc)) return fail('control_char', 'path contains a control character');
  if (BIDI.test(nfc)) return fail('bidi_char', 'path contains a bidi control character');
  if (nfc.startsWith('/') || /^[a-z]:/iu.test(nfc)) return fail('absolute', 'path is absolute');
  const raw = nfc.split('/');
  if (raw.length > maxDepth) return fail('too_deep', `path has more than ${maxDepth} segments`);

  const segments: string[] = [];
  let changed = false;
  for (const segment of raw) {
    if (segment === '') return fail('empty_segment', 'path has an empty segment');
    if (segment === '.' || segment === '..') return fail('dot_segment', `path contains "${segment}"`);
    const safe = makeSegmentSafe(segment);
    if (safe === undefined) return fail('empty_segment', 'segment is only dots and spaces');
    if (safe.toLowerCase() === STAGING_DIR_NAME)
      return fail('reserved_name', `"${STAGING_DIR_NAME}" is reserved`);
    if (safe !== segment) changed = true;
    segments.push(safe);
  }
  const joined = segments.join('/');
  if (utf8Length(joined) > maxPathBytes) return fail('too_long', `path is longer than ${maxPathBytes} bytes`);
  return { ok: true, segments, path: joined, changed };
}

function fail(code: UnsafePathCode, reason: string): SanitizeResult {
  return { ok: false, code, reason };
}

/** Returns the repaired segment, or undefined when nothing usable is left. */
function makeSegmentSafe(segment: string): string | undefined {
  let s = stripTrailing(segment.replace(WINDOWS_INVALID, '_'));
  if (s === '') return undefined;
  // Truncate first: cutting `CON      …x.txt` can leave `CON.txt`, so the device-name check comes after.
  s = truncateSegment(s);
  return isWindowsReserved(s) ? truncateSegment(`_${s}`) : s;
}

function stripTrailing(s: string): string {
  return s.replace(/[. ]+$/u, '');
}

function isWindowsReserved(segment: string): boolean {
  // Windows looks at the part before the first dot, ignoring trailing spaces: `CON .tar.gz` is CON.
  const base = segment.split('.')[0] ?? '';
  return WINDOWS_RESERVED.test(base.trimEnd());
}

/** Cuts to {@link MAX_SEGMENT_BYTES} UTF-8 bytes on a code-point boundary, keeping a short extension. */
function truncateSegment(segment: string): string {
  if (utf8Length(segment) <= MAX_SEGMENT_BYTES) return segment;
  const dot = segment.lastIndexOf('.');
  const ext = dot > 0 ? segment.slice(dot) : '';
  const keepExt = ext !== '' && utf8Length(ext) <= MAX_EXTENSION_BYTES;
  const stem = keepExt ? segment.slice(0, dot) : segment;
  const suffix = keepExt ? ext : '';
  const budget = MAX_SEGMENT_BYTES - utf8Length(suffix);
  let out = '';
  let bytes = 0;
  for (const codePoint of stem) {
    const n = utf8Length(codePoint);
    if (bytes + n > budget) break;
    out += codePoint;
    bytes += n;
  }
  // Cutting may expose a trailing dot or space, which Windows would silently drop.
  out = stripTrailing(out);
  return (out === '' ? '_' : out) + suffix;
}
