// Browser-safe: the recipient's side of the relay — list, ranged download, acknowledge.
import { RelayObjectId } from '@hypersend/protocol';
import { z } from 'zod';
import { HypersendError } from '../errors.ts';
import { RELAY_REQUEST_TIMEOUT_MS, type RelayEndpoint, relayFetch } from './relay-http.ts';

/** One complete, unexpired object addressed to the caller, as `GET /v1/objects` lists it. */
export const RelayObjectInfo = z.object({
  id: RelayObjectId,
  uploader: z.string(),
  transferId: z.string(),
  firstChunk: z.number().int().nonnegative(),
  size: z.number().int().nonnegative(),
  createdAt: z.number(),
  expiresAt: z.number(),
});
export type RelayObjectInfo = z.infer<typeof RelayObjectInfo>;

/**
 * Reads relay objects addressed to this user.
 *
 * @example
 * const objects = new RelayObjects({ url, token });
 * const res = await objects.download(id, 4096); // bytes 4096.. (206)
 * await objects.ack(id); // the relay deletes it
 */
export class RelayObjects {
  constructor(private readonly ep: RelayEndpoint) {}

  /** Complete objects waiting for this user. */
  async list(): Promise<RelayObjectInfo[]> {
    const res = await relayFetch(
      this.ep,
      '/v1/objects',
      { method: 'GET' },
      { timeoutMs: RELAY_REQUEST_TIMEOUT_MS },
    );
    const parsed = z.object({ objects: z.array(RelayObjectInfo) }).safeParse(await res.json());
    if (!parsed.success) throw new HypersendError('bad_response', 'relay object list malformed');
    return parsed.data.objects;
  }

  /** One object's metadata, or `not_found`. */
  async info(id: string): Promise<RelayObjectInfo> {
    const found = (await this.list()).find((o) => o.id === id);
    if (!found) throw new HypersendError('not_found', 'relay object not found');
    return found;
  }

  /**
   * Stream the object from byte `from` (to `to` inclusive when given). The body has no deadline:
   * a 40 GB download takes what it takes; cancel with `signal`.
   */
  async download(id: string, from: number, to?: number, signal?: AbortSignal): Promise<Response> {
    const range = `bytes=${from}-${to === undefined ? '' : to}`;
    return relayFetch(
      this.ep,
      `/v1/objects/${encodeURIComponent(id)}`,
      { method: 'GET', headers: { range }, ...(signal ? { signal } : {}) },
      { expect: [200, 206] },
    );
  }

  /** Read bytes `from..to` (inclusive) fully: small reads such as the header. */
  async read(id: string, from: number, to: number): Promise<Uint8Array> {
    const res = await this.download(id, from, to);
    const bytes = new Uint8Array(await res.arrayBuffer());
    // A 200 means the relay ignored the range: take the slice we asked for.
    return res.status === 200 ? bytes.subarray(from, to + 1) : bytes;
  }

  /** Acknowledge: the relay deletes the object. A missing object is not an error (acked before). */
  async ack(id: string): Promise<void> {
    await relayFetch(
      this.ep,
      `/v1/objects/${encodeURIComponent(id)}/ack`,
      { method: 'POST' },
      { timeoutMs: RELAY_REQUEST_TIMEOUT_MS, expect: [204, 404] },
    );
  }
}
