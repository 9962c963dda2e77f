// Exit codes of `hypersend`, one place, documented in `hypersend --help`.
import { HypersendError } from '../errors.ts';

/** Process exit codes; stable, scripts may switch on them. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  auth: 3,
  unreachable: 4,
  declined: 5,
  cancelled: 6,
  integrity: 7,
  interrupted: 130,
} as const;
/** One of {@link ExitCode}. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

const AUTH = new Set(['unauthorized', 'not_authenticated', 'session_expired', 'forbidden']);
const UNREACHABLE = new Set([
  'peer_offline',
  'not_reachable',
  'offer_timeout',
  'peer_connection_failed',
  'peer_connect_timeout',
  'peer_negotiation_failed',
  'peer_closed',
  'data_channel_error',
  'network',
]);
const INTEGRITY = new Set([
  'decrypt_failed',
  'seal_invalid',
  'key_changed',
  'hash_mismatch',
  'size_mismatch',
  'bad_frame',
  'bad_manifest',
  'out_of_order',
  'duplicate_chunk',
  'truncated',
  'bad_chunk',
]);

/**
 * The exit code for an error.
 *
 * @example
 * process.exitCode = exitCodeFor(err); // 5 for `declined`
 */
export function exitCodeFor(err: unknown): ExitCode {
  if (err instanceof UsageError) return ExitCode.usage;
  if (!HypersendError.is(err)) return ExitCode.failure;
  if (err.code === 'declined') return ExitCode.declined;
  if (err.code === 'cancelled')
    return err.details?.by === 'local' ? ExitCode.interrupted : ExitCode.cancelled;
  if (AUTH.has(err.code)) return ExitCode.auth;
  if (UNREACHABLE.has(err.code)) return ExitCode.unreachable;
  if (INTEGRITY.has(err.code)) return ExitCode.integrity;
  return ExitCode.failure;
}

/**
 * Bad command line: exit 2 with the command's usage.
 *
 * @example
 * throw new UsageError('send: --to is required', 'send');
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}
