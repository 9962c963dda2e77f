// Chunk size negotiated before the offer (FORMAT.md §6, "Chunk size"): the sender asks the
// recipient device how large a chunk its data channels carry (`caps-query` → `caps`, PROTOCOL.md
// "Transfer control"), then seals the smaller of both ends' limits into the manifest. A device
// that does not answer in time (an older client, a lost signal) gets the 64 KiB every peer accepts.
import type { DeviceAddress } from '@hypersend/protocol';
import { randomBytes, toBase64Url } from '../encoding.ts';
import { DEFAULT_CHUNK_SIZE, negotiateChunkSize } from '../transfer/chunk-size.ts';
import type { TransferContext } from './transfer-context.ts';
import { control } from './transfer-control.ts';

/** How long a sender waits for the recipient's `caps` answer before using 64 KiB. */
export const DEFAULT_CHUNK_QUERY_TIMEOUT_MS = 3000;

/**
 * Ask `peer` for the largest chunk it takes; `undefined` when it does not answer within
 * `timeoutMs` or the query cannot be sent (offline, not connected). Never rejects.
 *
 * @example
 * const theirs = await askChunkLimit(ctx, { user, device }, 3000); // 261120, or undefined
 */
export function askChunkLimit(
  ctx: TransferContext,
  peer: DeviceAddress,
  timeoutMs: number,
): Promise<number | undefined> {
  // A fresh sid per query: the answer is routed to exactly this question, never to a transfer.
  const sid = `q_${toBase64Url(randomBytes(12))}`;
  return new Promise((resolve) => {
    let settled = false;
    const settle = (v: number | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unroute();
      resolve(v);
    };
    const timer = setTimeout(() => settle(undefined), timeoutMs);
    (timer as { unref?: () => void }).unref?.();
    const unroute = ctx.route(sid, peer, (msg) => {
      if (msg.t === 'caps') settle(msg.maxChunkSize);
    });
    ctx.sendControl(peer, sid, control({ t: 'caps-query' })).catch(() => settle(undefined));
  });
}

/**
 * The chunk size for a new transfer to `peer`: both ends' limits (`negotiateChunkSize`), 64 KiB
 * when the peer does not say. Never rejects.
 *
 * @example
 * const chunkSize = await chooseChunkSize(ctx, peer); // 261120 between two libwebrtc ends
 */
export async function chooseChunkSize(ctx: TransferContext, peer: DeviceAddress): Promise<number> {
  const [mine, theirs] = await Promise.all([
    ctx.chunkLimit(),
    askChunkLimit(ctx, peer, ctx.chunkQueryTimeoutMs ?? DEFAULT_CHUNK_QUERY_TIMEOUT_MS),
  ]);
  if (theirs === undefined) return DEFAULT_CHUNK_SIZE;
  return negotiateChunkSize(mine, theirs) ?? DEFAULT_CHUNK_SIZE;
}

/**
 * Answer a `caps-query` from `from` under its sid with this device's limit. Best effort: a lost
 * answer only makes that sender fall back to 64 KiB. The signaling server routes signals only
 * between contacts, so only contacts learn this (harmless) number.
 */
export async function answerChunkQuery(
  ctx: TransferContext,
  from: DeviceAddress,
  sid: string,
): Promise<void> {
  const maxChunkSize = await ctx.chunkLimit();
  await ctx.sendControl(from, sid, control({ t: 'caps', maxChunkSize })).catch((err: unknown) => {
    ctx.log.warn({ err }, 'chunk-size answer not delivered');
  });
}
