// Decodes `transfer` signal payloads with forward compatibility: a well-formed control of a
// version or type this SDK does not know is a newer peer talking, not an attack or a bug.
import { TRANSFER_CONTROL_VERSION, TransferControl } from '@hypersend/protocol';
import { z } from 'zod';

/** Every `t` this SDK understands, read off the schema so the two never drift apart. */
const KNOWN_TYPES: ReadonlySet<string> = new Set(TransferControl.options.map((o) => o.shape.t.value));

/** What every control carries, whatever its version or type (PROTOCOL.md "Transfer control"). */
const ControlEnvelope = z.looseObject({ v: z.number().int(), t: z.string().min(1).max(64) });

/** The outcome of {@link decodeTransferControl}. */
export type DecodedControl =
  | { kind: 'control'; msg: TransferControl }
  /** A valid envelope of another version or an unknown type: ignore quietly, do not answer. */
  | { kind: 'unknown'; v: number; t: string }
  /** Not a control at all, or a known type whose fields are wrong: worth a warning. */
  | { kind: 'malformed'; t: string | undefined; issue: string | undefined };

/**
 * Classify a `transfer` signal's `data`. Only a known version and type is validated against its
 * schema; anything a newer peer could legitimately send (`v` ≠ 1, or a `t` added later, such as
 * `caps-query` seen by a client from before it) comes back `unknown`.
 *
 * @example
 * const d = decodeTransferControl(signal.data);
 * if (d.kind === 'control') route(d.msg);
 * else if (d.kind === 'malformed') log.warn({ t: d.t }, 'dropping malformed transfer control');
 */
export function decodeTransferControl(data: unknown): DecodedControl {
  const envelope = ControlEnvelope.safeParse(data);
  if (!envelope.success) return { kind: 'malformed', t: undefined, issue: firstIssue(envelope.error) };
  const { v, t } = envelope.data;
  if (v !== TRANSFER_CONTROL_VERSION || !KNOWN_TYPES.has(t)) return { kind: 'unknown', v, t };
  const parsed = TransferControl.safeParse(data);
  if (!parsed.success) return { kind: 'malformed', t, issue: firstIssue(parsed.error) };
  return { kind: 'control', msg: parsed.data };
}

function firstIssue(error: z.ZodError): string | undefined {
  const issue = error.issues[0];
  return issue === undefined ? undefined : `${issue.path.join('.')}: ${issue.message}`;
}
