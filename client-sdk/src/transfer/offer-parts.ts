// An offer envelope too long for one signaling frame (a folder of a few hundred files already is)
// travels as `offer-part` transfer controls; the receiving side joins them back. The envelope's
// bytes — and so the sealed key, the encrypted manifest and its digest — are unchanged.
import {
  MAX_OFFER_PARTS,
  OFFER_PART_CHARS,
  TRANSFER_CONTROL_VERSION,
  type TransferControl,
} from '@hypersend/protocol';
import { HypersendError } from '../errors.ts';

type OfferPart = Extract<TransferControl, { t: 'offer-part' }>;

/**
 * The transfer controls that carry `envelope`: one `offer` when its JSON fits a signaling frame,
 * otherwise `count` `offer-part`s in index order (PROTOCOL.md "Transfer control").
 *
 * @example
 * for (const c of offerControls(tx.offer)) await ctx.sendControl(peer, tx.transferId, c);
 * @throws HypersendError `payload_too_large` above {@link MAX_OFFER_PARTS} parts (≈ 6 MiB of JSON).
 */
export function offerControls(envelope: object): Array<Record<string, unknown>> {
  const text = JSON.stringify(envelope);
  if (text.length <= OFFER_PART_CHARS) return [{ v: TRANSFER_CONTROL_VERSION, t: 'offer', envelope }];
  const count = Math.ceil(text.length / OFFER_PART_CHARS);
  if (count > MAX_OFFER_PARTS)
    throw new HypersendError('payload_too_large', `offer of ${text.length} characters is too large`);
  // The envelope is ASCII (ids and base64url), so slicing by UTF-16 unit never splits a character.
  return Array.from({ length: count }, (_, index) => ({
    v: TRANSFER_CONTROL_VERSION,
    t: 'offer-part',
    index,
    count,
    text: text.slice(index * OFFER_PART_CHARS, (index + 1) * OFFER_PART_CHARS),
  }));
}

/**
 * Send `envelope` with `send` (one transfer control per call, awaited in order). A part refused
 * with `rate_limited` — the server allows ~50 messages/s per connection — is retried after a
 * pause, up to 50 times; other errors propagate.
 *
 * @example
 * await sendOffer((c) => ctx.sendControl(peer, id, c), tx.offer);
 */
export async function sendOffer(
  send: (control: Record<string, unknown>) => Promise<void>,
  envelope: object,
): Promise<void> {
  for (const c of offerControls(envelope)) {
    for (let attempt = 0; ; attempt++) {
      try {
        await send(c);
        break;
      } catch (err) {
        if (!HypersendError.is(err, 'rate_limited') || attempt >= 50) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
}

interface Pending {
  count: number;
  parts: Array<string | undefined>;
  received: number;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Joins `offer-part`s per key (transfer id + sending device). Untrusted input: at most
 * `maxPending` offers are assembled at once (the oldest is dropped for a new one), each for at
 * most `timeoutMs`, and a part that disagrees on `count` restarts its offer. The joined JSON is
 * only parsed here; the envelope inside is validated by `IncomingOffer.open` like any offer.
 *
 * @example
 * const env = assembler.add(`${sid}|${from.user}/${from.device}`, msg);
 * if (env) handleOffer(env);
 */
export class OfferAssembler {
  readonly #pending = new Map<string, Pending>();
  readonly #maxPending: number;
  readonly #timeoutMs: number;

  constructor(o: { maxPending?: number; timeoutMs?: number } = {}) {
    this.#maxPending = o.maxPending ?? 8;
    this.#timeoutMs = o.timeoutMs ?? 60_000;
  }

  /** Offers being assembled. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Add one part; returns the envelope object once every part of its offer is in. */
  add(key: string, part: OfferPart): Record<string, unknown> | undefined {
    let p = this.#pending.get(key);
    if (p !== undefined && p.count !== part.count) {
      this.#drop(key);
      p = undefined;
    }
    if (p === undefined) {
      if (this.#pending.size >= this.#maxPending) {
        const oldest = this.#pending.keys().next().value;
        if (oldest !== undefined) this.#drop(oldest);
      }
      const timer = setTimeout(() => this.#drop(key), this.#timeoutMs);
      (timer as { unref?: () => void }).unref?.();
      p = { count: part.count, parts: new Array(part.count).fill(undefined), received: 0, timer };
      this.#pending.set(key, p);
    }
    if (p.parts[part.index] === undefined) p.received++;
    p.parts[part.index] = part.text; // a repeated part (re-offer) replaces its earlier copy
    if (p.received < p.count) return undefined;
    this.#drop(key);
    try {
      const value: unknown = JSON.parse(p.parts.join(''));
      return typeof value === 'object' && value !== null && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined; // corrupt or mixed parts: dropped like any malformed control
    }
  }

  /** Forget everything (and stop the timers). */
  close(): void {
    for (const key of [...this.#pending.keys()]) this.#drop(key);
  }

  #drop(key: string): void {
    const p = this.#pending.get(key);
    if (p === undefined) return;
    clearTimeout(p.timer);
    this.#pending.delete(key);
  }
}
