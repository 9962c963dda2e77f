import { HypersendError } from '../errors.ts';

/**
 * Stable codes for everything the file layer can refuse or fail at. Callers switch on `code`;
 * the message is for humans and may change.
 */
export type FileErrorCode =
  | 'unsafe_path'
  | 'path_escape'
  | 'not_a_directory'
  | 'file_exists'
  | 'bad_manifest'
  | 'bad_chunk'
  | 'out_of_order'
  | 'hash_mismatch'
  | 'size_mismatch'
  | 'source_changed'
  | 'closed'
  | 'io';

/**
 * Typed error of the file layer: a {@link HypersendError} (codes listed in `SdkErrorCode`) that also
 * carries the path it is about, so `HypersendError.is(err, 'file_exists')` works SDK-wide.
 *
 * @example
 * try { await sink.finish(); } catch (e) {
 *   if (e instanceof FileError && e.code === 'file_exists') askUser();
 * }
 */
export class FileError extends HypersendError {
  override readonly name: string = 'FileError';
  declare readonly code: FileErrorCode;
  /** Manifest path (or local path) the error is about, when there is one. */
  readonly path: string | undefined;

  constructor(code: FileErrorCode, message: string, options: { cause?: unknown; path?: string } = {}) {
    super(code, message, {
      ...(options.cause === undefined ? {} : { cause: options.cause }),
      ...(options.path === undefined ? {} : { details: { path: options.path } }),
    });
    this.path = options.path;
  }

  /** The final name exists and overwriting was not allowed; the existing file was not touched. */
  static fileExists(path: string): FileError {
    return new FileError('file_exists', `refusing to overwrite existing file: ${path}`, { path });
  }

  /** The received bytes do not hash to the manifest digest; nothing was written under the final name. */
  static hashMismatch(path: string): FileError {
    return new FileError('hash_mismatch', `whole-file hash mismatch: ${path}`, { path });
  }

  /** A path would leave the chosen directory (`..`, absolute, or a symlink pointing outside). */
  static pathEscape(path: string, why: string): FileError {
    return new FileError('path_escape', `path escapes the target directory (${why}): ${path}`, { path });
  }
}
