import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { deleteObject, isExpired, type RelayContext } from './context.ts';
import { sendJson, sendNotFound } from './http-util.ts';
import { parseRange } from './range.ts';
import type { RelayObjectRecord } from './relay-store.ts';

/** The object as its recipient sees it: ids, position in the transfer, size and times. */
function view(r: RelayObjectRecord) {
  return {
    id: r.id,
    uploader: r.uploader,
    transferId: r.transferId,
    firstChunk: r.firstChunk,
    size: r.size,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
  };
}

/**
 * The record if `userId` may read it now: recipient, complete, unexpired. Anything else is
 * indistinguishable from a missing id to the caller.
 */
async function readable(
  ctx: RelayContext,
  id: string,
  userId: string,
): Promise<RelayObjectRecord | undefined> {
  const record = await ctx.store.get(id);
  if (!record || record.recipient !== userId || record.state !== 'complete') return undefined;
  if (isExpired(record, ctx.clock.now(), ctx.config.limits.incompleteTtlMs)) return undefined;
  return record;
}

/** `GET /v1/objects`: complete, unexpired objects waiting for the caller. */
export async function listObjects(ctx: RelayContext, res: ServerResponse, userId: string): Promise<void> {
  const records = await ctx.store.listForRecipient(userId, ctx.clock.now());
  sendJson(res, 200, { objects: records.map(view) });
}

/**
 * `GET /v1/objects/:id`: stream the object, honouring a single `Range` so an interrupted download
 * resumes where it stopped. Bytes flow from disk (or S3) to the socket with backpressure; memory
 * does not depend on the object's size.
 */
export async function downloadObject(
  ctx: RelayContext,
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
  userId: string,
): Promise<void> {
  const record = await readable(ctx, id, userId);
  if (!record) return sendNotFound(res, false);
  const range = parseRange(req.headers.range, record.size);
  const common = {
    'accept-ranges': 'bytes',
    'cache-control': 'no-store',
    // Objects are immutable once complete: the id is a strong validator.
    etag: `"${record.id}"`,
  };
  if (range.kind === 'unsatisfiable') {
    res.writeHead(416, { ...common, 'content-range': `bytes */${record.size}`, 'content-length': 0 });
    res.end();
    return;
  }
  const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, record.size - 1];
  const length = record.size === 0 ? 0 : end - start + 1;
  const headers: Record<string, string | number> = {
    ...common,
    'content-type': 'application/octet-stream',
    'content-length': length,
  };
  if (range.kind === 'partial') headers['content-range'] = `bytes ${start}-${end}/${record.size}`;
  if (req.method === 'HEAD' || length === 0) {
    res.writeHead(range.kind === 'partial' ? 206 : 200, headers);
    res.end();
    return;
  }
  const source = await ctx.bytes.readRange(id, start, end);
  res.writeHead(range.kind === 'partial' ? 206 : 200, headers);
  try {
    await pipeline(source, res);
  } catch (err) {
    // The client went away mid-download: it resumes with a Range request later.
    ctx.log.debug({ err, id }, 'download interrupted');
  }
}

/** `POST /v1/objects/:id/ack`: the recipient has the bytes; delete them and the record. */
export async function ackObject(
  ctx: RelayContext,
  res: ServerResponse,
  id: string,
  userId: string,
): Promise<void> {
  const record = await readable(ctx, id, userId);
  if (!record) return sendNotFound(res, false);
  await deleteObject(ctx, id);
  res.writeHead(204, { 'cache-control': 'no-store' });
  res.end();
}
