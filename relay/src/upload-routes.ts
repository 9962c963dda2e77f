import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server as TusServer } from '@tus/server';
import { deleteObject, isExpired, type RelayContext } from './context.ts';
import type { RelayCors } from './cors.ts';
import { sendError, sendNotFound } from './http-util.ts';
import { parseUploadMetadata } from './metadata.ts';
import type { RelayObjectRecord } from './relay-store.ts';

/** Mount point of the tus endpoint; uploads live at `/v1/uploads/<id>`. */
export const UPLOADS_PATH = '/v1/uploads';

/** A fresh object id: 128 random bits, base64url (22 characters). */
export function newObjectId(): string {
  return randomBytes(16).toString('base64url');
}

/** srvx (under @tus/server) exposes the node request it wraps here; tus itself reads it the same way. */
type WithNode = { runtime?: { node?: { req?: IncomingMessage } } };

/**
 * The tus 1.0 endpoint (creation, creation-with-upload, HEAD offset, PATCH, termination,
 * expiration) with the relay's rules in front of it. Authentication, ownership, metadata and
 * quotas are decided here before tus sees the request, so tus only ever handles an upload its
 * caller owns.
 */
export function createUploadRoutes(ctx: RelayContext, cors: Pick<RelayCors, 'allows'>) {
  // The id is chosen and reserved in the store before tus creates anything; tus asks for it here.
  const idFor = new WeakMap<IncomingMessage, string>();
  const tus = new TusServer({
    path: UPLOADS_PATH,
    datastore: ctx.bytes.datastore,
    maxSize: ctx.config.limits.maxObjectBytes,
    respectForwardedHeaders: false,
    // tus sets its own Access-Control-Allow-Origin; the relay's policy decides (a foreign origin
    // gets none, rather than tus's default `*`). server.ts has already added the full grant.
    allowedOrigins: (origin) => cors.allows(origin),
    namingFunction: (req) => {
      const node = (req as WithNode).runtime?.node?.req;
      const id = node ? idFor.get(node) : undefined;
      if (!id) throw new Error('upload id was not reserved');
      return id;
    },
    // Persist no tus metadata at all: the relay store has the ids, and nothing else is kept.
    onUploadCreate: async () => ({ metadata: {} }),
    // Called after the datastore's write returned, which for the file store means after fsync:
    // an object is never `complete` before its bytes are durable.
    onUploadFinish: async (_req, upload) => {
      await ctx.store.markComplete(upload.id);
      return {};
    },
  });

  /** `POST /v1/uploads`: validate, reserve quota and an id, then let tus create the upload. */
  async function create(req: IncomingMessage, res: ServerResponse, userId: string): Promise<void> {
    const tusHeaders = { 'tus-resumable': '1.0.0' };
    if (!req.headers['tus-resumable']) return tus.handle(req, res);
    const metaHeader = req.headers['upload-metadata'];
    const meta = parseUploadMetadata(typeof metaHeader === 'string' ? metaHeader : undefined);
    if (!meta)
      return sendError(
        res,
        400,
        'bad_metadata',
        'Upload-Metadata must hold exactly recipient, transferId and firstChunk (ids only, no file names)',
        tusHeaders,
      );
    const lengthHeader = req.headers['upload-length'];
    if (typeof lengthHeader !== 'string' || !/^\d{1,16}$/.test(lengthHeader))
      return sendError(
        res,
        400,
        'length_required',
        'Upload-Length is required (deferred length is not supported)',
        tusHeaders,
      );
    const size = Number(lengthHeader);
    const { limits } = ctx.config;
    if (size > limits.maxObjectBytes)
      return sendError(
        res,
        413,
        'object_too_large',
        `objects are limited to ${limits.maxObjectBytes} bytes`,
        tusHeaders,
      );

    const now = ctx.clock.now();
    const record: RelayObjectRecord = {
      id: newObjectId(),
      uploader: userId,
      recipient: meta.recipient,
      transferId: meta.transferId,
      firstChunk: meta.firstChunk,
      size,
      state: 'uploading',
      createdAt: now,
      expiresAt: now + limits.objectTtlMs,
    };
    const reserved = await ctx.store.reserve(record, limits);
    if (!reserved.ok) {
      return reserved.reason === 'user_quota'
        ? sendError(
            res,
            507,
            'quota_exceeded',
            `uploads are limited to ${limits.maxBytesPerUser} bytes per user`,
            tusHeaders,
          )
        : sendError(
            res,
            403,
            'recipient_pending_limit',
            `the recipient already has ${limits.maxPendingPerRecipient} objects waiting`,
            tusHeaders,
          );
    }
    idFor.set(req, record.id);
    try {
      await tus.handle(req, res);
    } finally {
      // tus refused or failed the creation: give the reservation back.
      if (res.statusCode !== 201) await deleteObject(ctx, record.id);
    }
  }

  /** HEAD, PATCH and DELETE on `/v1/uploads/:id`: the uploader's own, unexpired upload only. */
  async function existing(
    req: IncomingMessage,
    res: ServerResponse,
    id: string,
    userId: string,
  ): Promise<void> {
    const record = await ctx.store.get(id);
    if (
      !record ||
      record.uploader !== userId ||
      isExpired(record, ctx.clock.now(), ctx.config.limits.incompleteTtlMs)
    )
      return sendNotFound(res, true);
    if (req.method === 'HEAD' && record.state === 'uploading') {
      // A crash between the final fsync and `markComplete` leaves a full file in state
      // `uploading`; the client's HEAD after restart finishes the job instead of re-uploading.
      if ((await ctx.bytes.durableOffset(id)) === record.size) await ctx.store.markComplete(id);
    }
    await tus.handle(req, res);
    // tus removed the bytes (204), or they were already gone: either way the upload is over.
    if (req.method === 'DELETE' && [204, 404, 410].includes(res.statusCode)) await deleteObject(ctx, id);
  }

  return { tus, create, existing };
}
