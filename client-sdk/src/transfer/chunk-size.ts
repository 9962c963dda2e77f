// Chunk size = plaintext bytes per encrypted chunk (and per CHUNK frame). See FORMAT.md §5.

/** Chunk size every peer must accept; used when a peer advertises nothing. */
export const DEFAULT_CHUNK_SIZE = 64 * 1024;
/** Smallest chunk size: below this, per-chunk overhead (27 bytes + a nonce + a syscall) dominates. */
export const MIN_CHUNK_SIZE = 16 * 1024;
/** Largest chunk size: bounds receiver memory per chunk and the cost of re-sending one. */
export const MAX_CHUNK_SIZE = 1024 * 1024;

/**
 * True for an integer chunk size within [{@link MIN_CHUNK_SIZE}, {@link MAX_CHUNK_SIZE}].
 *
 * @example
 * isValidChunkSize(65536); // true
 */
export function isValidChunkSize(n: number): boolean {
  return Number.isInteger(n) && n >= MIN_CHUNK_SIZE && n <= MAX_CHUNK_SIZE;
}

/**
 * Agree on a chunk size: the smaller of both advertised maxima (an absent advertisement counts as
 * {@link DEFAULT_CHUNK_SIZE}), clamped to [16 KiB, 1 MiB], and — when `frameLimit` is given (the
 * data channel's `maxMessageSize` minus the CHUNK frame overhead) — no larger than that, rounded
 * down to a whole KiB. Returns `undefined` when the limit leaves less than the minimum: the
 * channel cannot carry this format and the caller should pick another path (relay).
 *
 * @example
 * negotiateChunkSize(undefined, undefined); // 65536
 * negotiateChunkSize(1 << 20, 256 * 1024); // 262144
 * negotiateChunkSize(1 << 20, 1 << 20, 262144 - CHUNK_FRAME_OVERHEAD); // 261120
 */
export function negotiateChunkSize(
  mine: number | undefined,
  theirs: number | undefined,
  frameLimit?: number,
): number | undefined {
  const pick = (n: number | undefined): number =>
    n === undefined || !Number.isFinite(n) ? DEFAULT_CHUNK_SIZE : Math.floor(n);
  let size = Math.min(MAX_CHUNK_SIZE, Math.max(MIN_CHUNK_SIZE, Math.min(pick(mine), pick(theirs))));
  if (frameLimit !== undefined) {
    if (!(frameLimit >= MIN_CHUNK_SIZE)) return undefined;
    size = Math.min(size, Math.floor(frameLimit / 1024) * 1024);
  }
  return size;
}
