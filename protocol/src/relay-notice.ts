import { z } from 'zod';
import { Id } from './ids.ts';

/**
 * Store-and-forward relay notices (PROTOCOL.md, "Relay notices"): after a sender uploaded the
 * ciphertext of a transfer to the relay, signaling tells the recipient's device where it is. The
 * notice holds ids and a size only — never a name — and is stored until the recipient
 * acknowledges it or the object expires, so an offline device learns of it when it reconnects.
 */

/** A relay object id: 128 random bits, base64url (22 characters), as the relay issues them. */
export const RelayObjectId = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'expected a relay object id');
export type RelayObjectId = z.infer<typeof RelayObjectId>;

const Address = z.object({ user: Id, device: Id }).strict();
const EpochMs = z.number().int().positive().max(8.64e15);

/**
 * `POST /v1/relay-notices` (the uploader): announce a complete relay object to one device of a
 * contact. `senderDevice` must be one of the caller's devices.
 *
 * @example
 * RelayNoticeCreate.parse({ to: { user, device }, senderDevice, transferId, objectId, size, expiresAt });
 */
export const RelayNoticeCreate = z
  .object({
    to: Address,
    senderDevice: Id,
    transferId: Id,
    objectId: RelayObjectId,
    /** Ciphertext bytes of the object (a hint for progress; the relay is authoritative). */
    size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    /** When the relay deletes the object; the notice is dropped then too. */
    expiresAt: EpochMs,
  })
  .strict();
export type RelayNoticeCreate = z.infer<typeof RelayNoticeCreate>;

/** A stored notice, as the recipient reads it. `from` is set by the server from the caller's token. */
export const RelayNotice = z
  .object({
    id: Id,
    from: Address,
    to: Address,
    transferId: Id,
    objectId: RelayObjectId,
    size: z.number().int().nonnegative(),
    createdAt: EpochMs,
    expiresAt: EpochMs,
  })
  .strict();
export type RelayNotice = z.infer<typeof RelayNotice>;

/** Answer of `POST /v1/relay-notices`. */
export const RelayNoticeCreated = z.object({ id: Id }).strict();
export type RelayNoticeCreated = z.infer<typeof RelayNoticeCreated>;

/**
 * Answer of `GET /v1/relay-notices` (notices addressed to any of the caller's devices) and of
 * `GET /v1/devices/:deviceId/relay-notices` (to that one device of the caller's): unexpired,
 * oldest first, at most 100.
 */
export const RelayNoticeList = z.object({ notices: z.array(RelayNotice) }).strict();
export type RelayNoticeList = z.infer<typeof RelayNoticeList>;

/** Server → client over `/v1/ws`: a notice for this device, pushed when it is stored. */
export const RelayNoticeMessage = z.object({ type: z.literal('relay.notice'), notice: RelayNotice }).strict();
export type RelayNoticeMessage = z.infer<typeof RelayNoticeMessage>;

/**
 * `GET /v1/config` (no auth): what clients need to know about this deployment. `relayUrl` is the
 * store-and-forward relay's base URL (`HYPERSEND_RELAY_URL`), or null when there is none.
 */
export const ClientConfig = z.object({ relayUrl: z.string().url().nullable() }).strict();
export type ClientConfig = z.infer<typeof ClientConfig>;
