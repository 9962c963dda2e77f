// `--relay allowed|never|only` for `send`.
import type { RelayMode } from '../../transfers/relay-outgoing.ts';
import { UsageError } from '../exit-codes.ts';

const MODES: readonly RelayMode[] = ['allowed', 'never', 'only'];

/**
 * The store-and-forward relay mode of `send` (default `allowed`).
 *
 * @example
 * relayModeOption('only'); // 'only'
 * @throws UsageError for anything else.
 */
export function relayModeOption(v: string | boolean | undefined): RelayMode {
  if (v === undefined) return 'allowed';
  if (typeof v === 'string' && (MODES as readonly string[]).includes(v)) return v as RelayMode;
  throw new UsageError('--relay expects allowed, never or only', 'send');
}
