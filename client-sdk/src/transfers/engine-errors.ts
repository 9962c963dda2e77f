// Engine errors as the app sees them: `cancelled` says which side, a decline is `declined`.
import { HypersendError } from '../errors.ts';
import { cancelled, otherRole, type TransferRole } from './transfer-handle.ts';

/**
 * Translate an engine error for `role`'s app: the engine's `cancelled` carries `by` relative to
 * the engine; this adds the absolute `side`, and a remote `declined` cancel becomes `declined`.
 *
 * @example
 * tx.on('error', (e) => t.fail(fromEngineError(e, 'sender')));
 */
export function fromEngineError(e: HypersendError, role: TransferRole): HypersendError {
  if (e.code !== 'cancelled') return e;
  const by = e.details?.by === 'local' ? 'local' : 'remote';
  const reason = String(e.details?.reason ?? 'user');
  if (reason === 'declined') return new HypersendError('declined', 'the recipient declined the transfer');
  return cancelled(by, by === 'local' ? role : otherRole(role), reason);
}
