/**
 * Metadata of relay objects, behind one interface with an embedded SQLite implementation
 * (`sqlite-relay-store.ts`) and a MongoDB one (`mongo-relay-store.ts`); both pass
 * `relay-store.contract.ts`. The store never sees bytes, file names or keys: only ids, sizes,
 * states and times.
 */

/** `uploading` until every byte is durable on the datastore, then `complete`. */
export type ObjectState = 'uploading' | 'complete';

/** One relayed object: an encrypted chunk range of one transfer, for one recipient. */
export interface RelayObjectRecord {
  /** 128-bit random, base64url: unguessable, and the only name of the bytes on disk or S3. */
  id: string;
  uploader: string;
  recipient: string;
  transferId: string;
  /** Index of the first chunk in the object: the sender resumes a transfer from there. */
  firstChunk: number;
  /** Declared length in bytes (tus Upload-Length); charged to the uploader's quota at creation. */
  size: number;
  state: ObjectState;
  createdAt: number;
  expiresAt: number;
}

/** Limits checked atomically with the insertion, so two concurrent creations cannot both slip in. */
export interface QuotaLimits {
  maxBytesPerUser: number;
  maxPendingPerRecipient: number;
}

/** Outcome of `reserve`: the record is stored only when `ok`. */
export type ReserveResult = { ok: true } | { ok: false; reason: 'user_quota' | 'recipient_pending' };

/** Bytes an uploader holds and objects waiting for a recipient (uploading or complete, unacked). */
export interface Usage {
  bytes: number;
  pending: number;
}

/**
 * Object metadata storage. Every method validates its inputs (ids are plain strings), so a
 * hostile value cannot widen a query.
 *
 * @example
 * const r = await store.reserve(record, { maxBytesPerUser, maxPendingPerRecipient });
 * if (!r.ok) reply(403, r.reason);
 */
export interface RelayObjectStore {
  /** Insert `record` unless the uploader's bytes or the recipient's pending count would exceed `limits`. */
  reserve(record: RelayObjectRecord, limits: QuotaLimits): Promise<ReserveResult>;
  get(id: string): Promise<RelayObjectRecord | undefined>;
  /** `uploading` → `complete`; false when the record is gone. Idempotent. */
  markComplete(id: string): Promise<boolean>;
  /** Complete objects for `recipient` that have not expired at `now`, oldest first. */
  listForRecipient(recipient: string, now: number): Promise<RelayObjectRecord[]>;
  /** Delete the record and release its quota; returns what was deleted (once, under races). */
  remove(id: string): Promise<RelayObjectRecord | undefined>;
  /** Records expired at `now`, or still uploading and created before `incompleteBefore`. */
  listExpired(now: number, incompleteBefore: number, limit: number): Promise<RelayObjectRecord[]>;
  /** Bytes held by `uploader` and objects pending for them as a recipient. */
  usage(userId: string): Promise<Usage>;
  close(): Promise<void>;
}

/** A store method got a value that is not a plain id, count or time. */
export class UnsafeRelayInputError extends Error {
  readonly code = 'unsafe_input';
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeRelayInputError';
  }
}

const ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Reject anything but a plain id string (an object like `{ $gt: '' }` would match any user). */
export function assertRelayId(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || !ID.test(value))
    throw new UnsafeRelayInputError(`${field}: expected an id of [A-Za-z0-9_-]{1,128}`);
}

/** Reject anything but a non-negative safe integer (sizes, chunk indexes, epoch ms). */
export function assertCount(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new UnsafeRelayInputError(`${field}: expected a non-negative safe integer`);
}

/** Check every field of a record; both stores copy exactly these fields and nothing else. */
export function assertRecord(record: RelayObjectRecord): void {
  for (const f of ['id', 'uploader', 'recipient', 'transferId'] as const) assertRelayId(record[f], f);
  for (const f of ['firstChunk', 'size', 'createdAt', 'expiresAt'] as const) assertCount(record[f], f);
  if (record.state !== 'uploading' && record.state !== 'complete')
    throw new UnsafeRelayInputError('state: expected uploading or complete');
}

/** A copy with exactly the record fields, in a stable order. */
export function pickRecord(r: RelayObjectRecord): RelayObjectRecord {
  return {
    id: r.id,
    uploader: r.uploader,
    recipient: r.recipient,
    transferId: r.transferId,
    firstChunk: r.firstChunk,
    size: r.size,
    state: r.state,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
  };
}
