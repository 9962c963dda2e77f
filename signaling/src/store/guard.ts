import { ContactState } from '@hypersend/protocol';
import { UnsafeStoreInputError } from './store.ts';

// Every store method runs its inputs through these checks before building a query. The
// services above already validate with zod, but a store must not depend on every caller
// getting that right: one `{ $gt: '' }` that slips through becomes "match any user".

/** Longest id or key the store accepts; ids are at most 64 characters, token hashes 64 hex. */
const MAX_ID_LENGTH = 128;

function fail(field: string, why: string): never {
  throw new UnsafeStoreInputError(`${field}: ${why}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Reject anything that is not a plain id string: objects (`{ $gt: '' }`), arrays, numbers,
 * empty strings, NUL bytes and a leading `$` (an aggregation field path).
 *
 * @example
 * assertId(userId, 'userId'); // throws UnsafeStoreInputError for { $ne: null }
 */
export function assertId(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string') fail(field, `expected a string id, got ${describe(value)}`);
  if (value.length === 0 || value.length > MAX_ID_LENGTH) fail(field, 'id length out of range');
  if (value.startsWith('$')) fail(field, 'id must not start with $');
  if (value.includes('\0')) fail(field, 'NUL byte');
}

/**
 * Reject a value that could change the meaning of a query or document: `$`-prefixed keys
 * or keys containing `.` at any depth, NUL bytes in strings or keys, non-finite numbers,
 * and anything that is not JSON-like data (RegExp and ObjectId are query semantics in MongoDB,
 * functions and symbols are caller bugs, `undefined` is dropped or nulled inconsistently).
 *
 * @example
 * assertSafeValue({ displayName: 'Zoë' }, 'user'); // ok
 * assertSafeValue({ $where: 'sleep(1000)' }, 'user'); // throws UnsafeStoreInputError
 */
export function assertSafeValue(value: unknown, field: string, depth = 0): void {
  if (depth > 16) fail(field, 'nested too deeply');
  switch (typeof value) {
    case 'string':
      if (value.includes('\0')) fail(field, 'NUL byte');
      return;
    case 'number':
      if (!Number.isFinite(value)) fail(field, 'non-finite number');
      return;
    case 'boolean':
      return;
    case 'object': {
      if (value === null) return;
      if (Array.isArray(value)) {
        value.forEach((item, i) => {
          assertSafeValue(item, `${field}[${i}]`, depth + 1);
        });
        return;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) fail(field, 'expected plain data');
      for (const [key, item] of Object.entries(value)) {
        if (key.startsWith('$')) fail(field, `key ${JSON.stringify(key)} looks like a query operator`);
        if (key.includes('.')) fail(field, `key ${JSON.stringify(key)} contains a dot`);
        if (key.includes('\0')) fail(field, 'NUL byte in key');
        assertSafeValue(item, `${field}.${key}`, depth + 1);
      }
      if (Object.getOwnPropertySymbols(value).length > 0) fail(field, 'symbol keys');
      return;
    }
    default:
      fail(field, `unsupported ${typeof value}`);
  }
}

/** A string that is stored as data, never used as an id (usernames, names, keys, hashes). */
export function assertString(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string') fail(field, `expected a string, got ${describe(value)}`);
  if (value.includes('\0')) fail(field, 'NUL byte');
}

/** Epoch milliseconds: a safe integer (SQLite's STRICT INTEGER columns and BSON agree on it). */
export function assertTime(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail(field, 'expected integer milliseconds');
}

type Kind = 'id' | 'string' | 'nullableString' | 'time' | 'nullableTime' | 'boolean' | 'contactState';

/** Field kinds of each record type; both stores copy exactly these fields and nothing else. */
export const SHAPES = {
  user: {
    id: 'id',
    username: 'string',
    displayName: 'string',
    passwordHash: 'nullableString',
    createdAt: 'time',
  },
  refreshToken: {
    tokenHash: 'id',
    familyId: 'id',
    userId: 'id',
    createdAt: 'time',
    expiresAt: 'time',
    usedAt: 'nullableTime',
    revoked: 'boolean',
  },
  device: {
    userId: 'id',
    deviceId: 'id',
    name: 'string',
    x25519: 'string',
    ed25519: 'string',
    createdAt: 'time',
    updatedAt: 'time',
  },
  contactEdge: { userId: 'id', peerId: 'id', state: 'contactState', updatedAt: 'time' },
} as const satisfies Record<string, Record<string, Kind>>;

function assertKind(value: unknown, kind: Kind, field: string): void {
  if (value === null && (kind === 'nullableString' || kind === 'nullableTime')) return;
  switch (kind) {
    case 'id':
      assertId(value, field);
      break;
    case 'string':
    case 'nullableString':
      assertString(value, field);
      break;
    case 'time':
    case 'nullableTime':
      assertTime(value, field);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') fail(field, 'expected a boolean');
      break;
    case 'contactState':
      if (!ContactState.safeParse(value).success) fail(field, 'expected a contact state');
      break;
  }
}

/**
 * Check a whole record: no operator keys anywhere, and every field of `shape` present with
 * the right type. Unknown extra fields are ignored by the stores, never persisted.
 *
 * @example
 * assertRecord(device, SHAPES.device, 'device');
 */
export function assertRecord(value: unknown, shape: Record<string, Kind>, name: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail(name, `expected an object, got ${describe(value)}`);
  assertSafeValue(value, name);
  const record = value as Record<string, unknown>;
  for (const [key, kind] of Object.entries(shape)) assertKind(record[key], kind, `${name}.${key}`);
}
