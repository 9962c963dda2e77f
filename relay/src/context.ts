import type { Logger } from 'pino';
import type { ByteStore } from './byte-store.ts';
import type { RelayConfig } from './config.ts';
import type { RelayObjectRecord, RelayObjectStore } from './relay-store.ts';

/** Injected time source (epoch ms), so tests can move past expiry without sleeping. */
export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

/** What every relay route needs. */
export interface RelayContext {
  config: RelayConfig;
  store: RelayObjectStore;
  bytes: ByteStore;
  clock: Clock;
  log: Logger;
}

/**
 * Whether a record is past its life at `now`: every object at `expiresAt`, an unfinished upload
 * already `incompleteTtlMs` after creation. Checked on every read, not only by the sweeper, so an
 * object is never served a moment past its expiry however late the sweep runs.
 *
 * @example
 * if (!record || isExpired(record, clock.now(), config.limits.incompleteTtlMs)) return sendNotFound(res, false);
 */
export function isExpired(record: RelayObjectRecord, now: number, incompleteTtlMs: number): boolean {
  if (now >= record.expiresAt) return true;
  return record.state === 'uploading' && now >= record.createdAt + incompleteTtlMs;
}

/** Remove an object's bytes, then its record (releasing quota). Safe to call twice. */
export async function deleteObject(ctx: RelayContext, id: string): Promise<void> {
  await ctx.bytes.remove(id);
  await ctx.store.remove(id);
}
