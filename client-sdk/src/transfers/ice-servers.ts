// ICE servers for a transfer: short-lived TURN credentials when the server has TURN configured.
import type { HttpApi } from '../api/http-api.ts';
import { HypersendError } from '../errors.ts';

/**
 * `POST /v1/turn/credentials` as an `iceServers` list, or `[]` (host candidates only) when the
 * server has no TURN configured (404). Asked per transfer: the credentials expire.
 *
 * @example
 * const iceServers = await iceServersFor(client.api);
 * @throws HypersendError other server or network errors.
 */
export async function iceServersFor(api: Pick<HttpApi, 'turnCredentials'>): Promise<RTCIceServer[]> {
  try {
    const { iceServers } = await api.turnCredentials();
    return iceServers.map((s) => ({
      urls: s.urls,
      ...(s.username === undefined ? {} : { username: s.username }),
      ...(s.credential === undefined ? {} : { credential: s.credential }),
    }));
  } catch (err) {
    if (HypersendError.is(err, 'not_found')) return [];
    throw err;
  }
}

/** ICE servers and when their TURN credentials expire (epoch ms; `undefined`: no TURN). */
export interface IceConfig {
  iceServers: RTCIceServer[];
  expiresAtMs: number | undefined;
}

/**
 * Like {@link iceServersFor}, with the credentials' expiry, so a long transfer can fetch fresh
 * ones before coturn starts refusing its refreshes (see `turn-refresh.ts`).
 *
 * @example
 * const { iceServers, expiresAtMs } = await iceConfigFor(client.api);
 * @throws HypersendError other server or network errors.
 */
export async function iceConfigFor(api: Pick<HttpApi, 'turnCredentials'>): Promise<IceConfig> {
  try {
    const { iceServers, expiresAt } = await api.turnCredentials();
    return {
      iceServers: iceServers.map((s) => ({
        urls: s.urls,
        ...(s.username === undefined ? {} : { username: s.username }),
        ...(s.credential === undefined ? {} : { credential: s.credential }),
      })),
      expiresAtMs: expiresAt * 1000,
    };
  } catch (err) {
    if (HypersendError.is(err, 'not_found')) return { iceServers: [], expiresAtMs: undefined };
    throw err;
  }
}

/** True when `servers` contain a `turn:`/`turns:` URL (what turn-only ICE needs). */
export function hasTurn(servers: readonly RTCIceServer[]): boolean {
  return servers.some((s) => (Array.isArray(s.urls) ? s.urls : [s.urls]).some((u) => /^turns?:/u.test(u)));
}
