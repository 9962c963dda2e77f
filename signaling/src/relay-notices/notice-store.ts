import type { RelayNotice } from '@hypersend/protocol';

/**
 * Where relay notices live until the recipient picks them up (see `protocol/src/relay-notice.ts`).
 * Two implementations pass one contract suite (`notice-store.contract.ts`): the embedded SQLite
 * file and MongoDB. Rules (who may write or read which notice, limits) live in
 * `notice-service.ts`; the store only persists and answers the few queries the rules need.
 *
 * Every expiry-sensitive read takes `now` and ignores expired notices, so expiry holds even
 * between sweeps (FerretDB has no TTL indexes). Times are epoch milliseconds.
 */
export interface RelayNoticeStore {
  readonly kind: 'sqlite' | 'mongodb';
  /** Store a notice. A second notice with the same id replaces nothing: it is refused (false). */
  insert(notice: RelayNotice): Promise<boolean>;
  /** Unexpired notices addressed to `userId` (any of their devices), oldest first, at most `limit`. */
  listFor(userId: string, now: number, limit: number): Promise<RelayNotice[]>;
  /**
   * Unexpired notices addressed to the one device `userId/deviceId`, oldest first, at most
   * `limit`; served by an index on (user, device, createdAt), so a device's listing never
   * depends on how many notices its sibling devices hold.
   */
  listForDevice(userId: string, deviceId: string, now: number, limit: number): Promise<RelayNotice[]>;
  /** Unexpired notices addressed to `userId`. */
  countFor(userId: string, now: number): Promise<number>;
  /** Delete the notice `id` if it is addressed to `userId`; false when there is no such notice. */
  deleteFor(userId: string, id: string): Promise<boolean>;
  /** Delete every notice expired at `now`; returns how many. */
  deleteExpired(now: number): Promise<number>;
  close(): Promise<void>;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Refuse anything but an id-shaped string before it reaches a driver: a caller bug must not turn
 * a value into a query operator (`{ $ne: … }`) or a SQL binding error.
 *
 * @throws TypeError for anything else.
 */
export function assertNoticeId(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || !ID.test(value)) throw new TypeError(`${what} is not an id`);
}
