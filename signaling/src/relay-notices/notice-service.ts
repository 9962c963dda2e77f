import { randomBytes } from 'node:crypto';
import { ErrorCode, type RelayNotice, type RelayNoticeCreate } from '@hypersend/protocol';
import type { Logger } from 'pino';
import type { Clock, Relationships } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import type { Store } from '../store/store.ts';
import type { RelayNoticeStore } from './notice-store.ts';

/** Limits of the notice service; the defaults are the production values. */
export interface NoticeLimits {
  /**
   * Unexpired notices one recipient user may hold, over all their devices (a flood from a contact
   * stops here). Default 1600: the relay's 100 pending objects per recipient, each announced to up
   * to 16 devices (the SDK's relay fan-out), so this limit never binds before the relay's does.
   */
  maxPendingPerRecipient: number;
  /** Latest `expiresAt` accepted, from now. Default 30 days (the relay keeps objects 7 days). */
  maxLifetimeMs: number;
  /** Notices returned by one list call. Default 100. */
  maxListed: number;
}

export const DEFAULT_NOTICE_LIMITS: NoticeLimits = {
  maxPendingPerRecipient: 1600,
  maxLifetimeMs: 30 * 86_400_000,
  maxListed: 100,
};

/** What the service needs around it. `push` hands a frame to a device's live connection. */
export interface NoticeServiceDeps {
  notices: RelayNoticeStore;
  store: Pick<Store, 'getDevice'>;
  relationships: Pick<Relationships, 'canReach'>;
  clock: Clock;
  log: Logger;
  /** Deliver a ready-to-send `/v1/ws` frame to `user/device` if connected here; false otherwise. */
  push(user: string, device: string, frame: string): boolean;
  limits?: Partial<NoticeLimits>;
}

/** The rules of relay notices; HTTP routes call these with the authenticated caller. */
export interface NoticeService {
  create(caller: string, body: RelayNoticeCreate): Promise<{ id: string }>;
  list(caller: string): Promise<RelayNotice[]>;
  /**
   * Notices addressed to `deviceId`, one of the caller's own devices. Any other id (another
   * user's device, a deleted or never-existing one) is the same plain `404 not_found`.
   */
  listForDevice(caller: string, deviceId: string): Promise<RelayNotice[]>;
  acknowledge(caller: string, id: string): Promise<void>;
  /** Delete expired notices now (also run every 10 minutes on an unref'd timer). */
  sweep(): Promise<number>;
  close(): void;
}

const SWEEP_INTERVAL_MS = 10 * 60_000;

/**
 * Relay notices with their rules:
 * - only the uploader's own device can be named as sender (`from` comes from the token, the
 *   device must be one of the caller's);
 * - only a reachable contact's existing device can be addressed; anything else gets the same
 *   `404 not_reachable` (as a signal would), so the route cannot probe users or devices;
 * - only the recipient lists and acknowledges its notices; someone else's id is a plain 404, and
 *   so is listing by a device that is not one of the caller's;
 * - a notice lives no longer than its object (`expiresAt`, capped) and is checked on every read;
 * - a recipient holds at most `maxPendingPerRecipient` notices (`429 rate_limited`).
 * A stored notice is pushed at once to the addressed device when it is connected; otherwise the
 * device lists it when it next connects.
 *
 * @example
 * const service = createNoticeService({ notices, store, relationships, clock, log, push });
 * await service.create(aliceId, { to: { user: bobId, device: bobDevice }, senderDevice, transferId, objectId, size, expiresAt });
 */
export function createNoticeService(deps: NoticeServiceDeps): NoticeService {
  const limits = { ...DEFAULT_NOTICE_LIMITS, ...deps.limits };
  const log = deps.log;
  const sweep = async (): Promise<number> => deps.notices.deleteExpired(deps.clock.now());
  const timer = setInterval(() => {
    sweep().catch((err: unknown) => log.warn({ err }, 'relay notice sweep failed'));
  }, SWEEP_INTERVAL_MS);
  timer.unref();

  return {
    async create(caller, body) {
      const now = deps.clock.now();
      if ((await deps.store.getDevice(caller, body.senderDevice)) === null)
        throw HttpError.forbidden('senderDevice is not one of your devices');
      const reachable =
        body.to.user !== caller &&
        (await deps.relationships.canReach(caller, body.to.user)) &&
        (await deps.store.getDevice(body.to.user, body.to.device)) !== null;
      if (!reachable) throw new HttpError(404, ErrorCode.notReachable, 'recipient not reachable');
      if (body.expiresAt <= now) throw HttpError.badRequest('expiresAt: already expired');
      if (body.expiresAt > now + limits.maxLifetimeMs)
        throw HttpError.badRequest(`expiresAt: at most ${limits.maxLifetimeMs} ms ahead`);
      if ((await deps.notices.countFor(body.to.user, now)) >= limits.maxPendingPerRecipient)
        throw HttpError.rateLimited(60, 'relay_notices_pending');
      const notice: RelayNotice = {
        id: `n_${randomBytes(16).toString('base64url')}`,
        from: { user: caller, device: body.senderDevice },
        to: body.to,
        transferId: body.transferId,
        objectId: body.objectId,
        size: body.size,
        createdAt: now,
        expiresAt: body.expiresAt,
      };
      if (!(await deps.notices.insert(notice))) throw HttpError.internal('notice id collision');
      const pushed = deps.push(
        notice.to.user,
        notice.to.device,
        JSON.stringify({ type: 'relay.notice', notice }),
      );
      log.debug({ notice: notice.id, pushed }, 'relay notice stored');
      return { id: notice.id };
    },
    async list(caller) {
      return deps.notices.listFor(caller, deps.clock.now(), limits.maxListed);
    },
    async listForDevice(caller, deviceId) {
      if ((await deps.store.getDevice(caller, deviceId)) === null)
        throw HttpError.notFound('device not found');
      return deps.notices.listForDevice(caller, deviceId, deps.clock.now(), limits.maxListed);
    },
    async acknowledge(caller, id) {
      if (!(await deps.notices.deleteFor(caller, id))) throw HttpError.notFound('notice not found');
    },
    sweep,
    close() {
      clearInterval(timer);
    },
  };
}
