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
