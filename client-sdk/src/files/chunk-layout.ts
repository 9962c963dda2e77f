// Browser-safe. Shared by sender and receiver, so both derive the same global chunk numbering.

/**
 * How the files of a manifest map onto one global chunk index.
 *
 * Chunks never span files: file `f` owns chunks `firstChunk[f] .. firstChunk[f] + chunkCounts[f] - 1`,
 * and an empty file still owns one empty chunk, so every file has a final chunk (the AEAD final flag
 * and the "verify and rename" trigger). Resume is then one number: the next global chunk index.
 */
export interface ChunkLayout {
  readonly chunkSize: number;
  readonly chunkCount: number;
  readonly sizes: readonly number[];
  readonly firstChunk: readonly number[];
  readonly chunkCounts: readonly number[];
}

/** Where a global chunk lives. `length` is its exact byte length. */
export interface ChunkLocation {
  fileIndex: number;
  localIndex: number;
  offset: number;
  length: number;
  isLastOfFile: boolean;
}

/**
 * Builds the layout for files of the given sizes.
 *
 * @example
 * const l = layoutChunks([0, 65_537], 65_536); // chunkCount 3: [file0: 1 empty chunk][file1: 2 chunks]
 * locateChunk(l, 2); // { fileIndex: 1, localIndex: 1, offset: 65_536, length: 1, isLastOfFile: true }
 */
export function layoutChunks(sizes: readonly number[], chunkSize: number): ChunkLayout {
  if (!Number.isSafeInteger(chunkSize) || chunkSize <= 0)
    throw new RangeError('chunkSize must be a positive integer');
  const firstChunk: number[] = [];
  const chunkCounts: number[] = [];
  let next = 0;
  for (const size of sizes) {
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`bad file size: ${size}`);
    const count = fileChunkCount(size, chunkSize);
    firstChunk.push(next);
    chunkCounts.push(count);
    next += count;
  }
  return { chunkSize, chunkCount: next, sizes: [...sizes], firstChunk, chunkCounts };
}

/** Chunks of one file: `max(1, ceil(size / chunkSize))`. */
export function fileChunkCount(size: number, chunkSize: number): number {
  return Math.max(1, Math.ceil(size / chunkSize));
}

/** Exact byte length of chunk `localIndex` of a file of `size` bytes. */
export function chunkLength(size: number, chunkSize: number, localIndex: number): number {
  return Math.max(0, Math.min(chunkSize, size - localIndex * chunkSize));
}

/**
 * Maps a global chunk index to its file (binary search: O(log files)).
 *
 * @example
 * locateChunk(layoutChunks([10], 4), 2).length; // 2
 */
export function locateChunk(layout: ChunkLayout, index: number): ChunkLocation {
  if (!Number.isSafeInteger(index) || index < 0 || index >= layout.chunkCount) {
    throw new RangeError(`chunk index out of range: ${index}`);
  }
  let lo = 0;
  let hi = layout.firstChunk.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((layout.firstChunk[mid] ?? 0) <= index) lo = mid;
    else hi = mid - 1;
  }
  // Empty files own exactly one chunk, so no two files share a firstChunk and `lo` is unambiguous.
  const localIndex = index - (layout.firstChunk[lo] ?? 0);
  const size = layout.sizes[lo] ?? 0;
  return {
    fileIndex: lo,
    localIndex,
    offset: localIndex * layout.chunkSize,
    length: chunkLength(size, layout.chunkSize, localIndex),
    isLastOfFile: localIndex === (layout.chunkCounts[lo] ?? 1) - 1,
  };
}
