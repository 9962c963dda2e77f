// Node and browsers: how a client reaches the store-and-forward relay and its notices — the relay
// URL (an explicit option, else signaling's `GET /v1/config`), tus uploads, object downloads, and
// the `/v1/relay-notices` routes on signaling.
import {
  ClientConfig,
  type RelayNotice,
  type RelayNoticeCreate,
  RelayNoticeCreated,
  RelayNoticeList,
} from '@hypersend/protocol';
import { HttpTransport } from '../api/http-transport.ts';
import type { Logger } from '../api/runtime.ts';
import { HypersendError } from '../errors.ts';
import type { HypersendClient } from '../hypersend-client.ts';
import type { RelayEndpoint } from '../relay/relay-http.ts';
import { RelayObjects } from '../relay/relay-objects.ts';
import { TusClient } from '../relay/tus-client.ts';

/**
 * The relay as one client sees it. The URL is resolved once: `relayUrl` when given, otherwise
 * what signaling advertises (`HYPERSEND_RELAY_URL` → `GET /v1/config`).
 *
 * @example
 * const relay = new RelayAccess(client, { log });
 * const tus = await relay.tus(); // throws relay_unavailable when the deployment has no relay
 */
export class RelayAccess {
  readonly #client: HypersendClient;
  readonly #http: HttpTransport;
  readonly #log: Logger;
  #url: Promise<string> | undefined;

  constructor(client: HypersendClient, o: { relayUrl?: string | undefined; log: Logger }) {
    this.#client = client;
    this.#log = o.log;
    this.#http = new HttpTransport({ baseUrl: client.api.baseUrl, log: o.log }).withAuth(client.session);
    if (o.relayUrl !== undefined) this.#url = Promise.resolve(o.relayUrl.replace(/\/+$/u, ''));
  }

  /** The relay base URL. @throws HypersendError `relay_unavailable` when there is none. */
  url(): Promise<string> {
    this.#url ??= this.#http
      .request({ method: 'GET', path: '/v1/config', schema: ClientConfig })
      .then((c) => {
        if (c.relayUrl === null)
          throw new HypersendError(
            'relay_unavailable',
            'this server has no store-and-forward relay configured',
          );
        return c.relayUrl.replace(/\/+$/u, '');
      });
    const p = this.#url;
    // A failed lookup (server briefly down) is asked again next time; "no relay" too, cheaply.
    p.catch(() => {
      if (this.#url === p) this.#url = undefined;
    });
    return p;
  }

  async endpoint(): Promise<RelayEndpoint> {
    return { url: await this.url(), token: () => this.#client.session.token() };
  }

  async tus(): Promise<TusClient> {
    return new TusClient(await this.endpoint());
  }

  async objects(): Promise<RelayObjects> {
    return new RelayObjects(await this.endpoint());
  }

  /** Tell the recipient's device (now if connected, else when it next connects). */
  announce(body: RelayNoticeCreate): Promise<RelayNoticeCreated> {
    this.#log.debug({ transferId: body.transferId }, 'announcing relay object');
    return this.#http.authed({ method: 'POST', path: '/v1/relay-notices', body, schema: RelayNoticeCreated });
  }

  /**
   * Notices addressed to `deviceId` (one of this user's devices; at most 100, oldest first), or,
   * without it, to any of this user's devices — 100 at most over all of them, so a device may
   * see few of its own there; callers keep their own device's.
   */
  async notices(deviceId?: string): Promise<RelayNotice[]> {
    if (deviceId !== undefined) {
      const path = `/v1/devices/${encodeURIComponent(deviceId)}/relay-notices`;
      try {
        return (await this.#http.authed({ method: 'GET', path, schema: RelayNoticeList })).notices;
      } catch (err) {
        // A signaling server older than the per-device route answers 404 (so does one that no
        // longer knows this device, whose list would be empty anyway): use the shared listing.
        if (!HypersendError.is(err, 'not_found')) throw err;
        this.#log.debug({}, 'no per-device notice listing on this server; using the shared one');
      }
    }
    const all = await this.#http.authed({
      method: 'GET',
      path: '/v1/relay-notices',
      schema: RelayNoticeList,
    });
    return deviceId === undefined ? all.notices : all.notices.filter((n) => n.to.device === deviceId);
  }

  /** Delete a notice after pickup (or when its object is gone). Already deleted is fine. */
  async dismiss(id: string): Promise<void> {
    await this.#http
      .authed({ method: 'DELETE', path: `/v1/relay-notices/${encodeURIComponent(id)}` })
      .catch((err: unknown) => {
        if (!HypersendError.is(err, 'not_found')) throw err;
      });
  }
}
