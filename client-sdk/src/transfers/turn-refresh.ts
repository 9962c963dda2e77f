// Keeps a long session's TURN credentials fresh. Measured with Debian coturn 4.6.1 and libwebrtc
// (@roamhq/wrtc), a 20 s credential: the relayed channel ran 700 s, and CreatePermission (240 s),
// ChannelBind (480 s) and Refresh (540 s) under the expired username all succeeded, so 4.6.1 does
// not end a running allocation at expiry. Any *new* allocation with it is refused (401), though:
// an ICE restart after a network change, and coturn builds that check expiry on refreshes. So,
// before the credential expires, we fetch a fresh one, hand it to the peer connection and, on a
// relayed path, restart ICE, which moves the path onto allocations made with it.
import type { Logger } from '../api/runtime.ts';
import type { PeerSession } from '../webrtc/peer-session.ts';
import type { IceConfig } from './ice-servers.ts';

/** Options of {@link keepTurnFresh}. */
export interface TurnRefreshOptions {
  /** Fresh ICE servers from signaling (`POST /v1/turn/credentials`). */
  fetch: () => Promise<IceConfig>;
  /** Expiry of the credentials the session started with; `undefined` (no TURN): nothing to do. */
  expiresAtMs: number | undefined;
  log?: Logger;
  /** Clock seam for tests. */
  now?: () => number;
}

const MIN_MARGIN_MS = 10_000;
const MAX_MARGIN_MS = 5 * 60_000;
const RETRY_MS = 5000;

/**
 * When to renew: a quarter of the remaining lifetime before expiry (at least 10 s, at most 5 min),
 * so a 60 s credential is renewed after 45 s and a 1 h one 5 min before it ends.
 *
 * @example
 * renewDelayMs(Date.now() + 60_000, Date.now()); // 45_000
 */
export function renewDelayMs(expiresAtMs: number, nowMs: number): number {
  const left = expiresAtMs - nowMs;
  const margin = Math.min(MAX_MARGIN_MS, Math.max(MIN_MARGIN_MS, left / 4));
  return Math.max(0, left - margin);
}

/**
 * Renew `session`'s TURN credentials before they expire, for as long as it lives. A session on a
 * relayed path restarts ICE with the new credentials; a direct one only takes them for later
 * candidates (a restart would risk a working path for nothing). Returns the stop function; the
 * session closing stops it too.
 *
 * @example
 * const stop = keepTurnFresh(session, { fetch: () => iceConfigFor(api), expiresAtMs });
 */
export function keepTurnFresh(session: PeerSession, o: TurnRefreshOptions): () => void {
  const now = o.now ?? Date.now;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const stop = (): void => {
    stopped = true;
    clearTimeout(timer);
  };
  const schedule = (ms: number, expiresAtMs: number): void => {
    if (stopped) return;
    timer = setTimeout(() => void renew(expiresAtMs), ms);
    // A pending renewal alone must not keep a process alive.
    (timer as { unref?: () => void }).unref?.();
  };
  const renew = async (oldExpiry: number): Promise<void> => {
    if (stopped) return;
    let fresh: IceConfig;
    try {
      fresh = await o.fetch();
    } catch (err) {
      // Keep trying until the old credential is gone; a relayed path may still survive a while.
      o.log?.warn({ err }, 'could not renew TURN credentials');
      if (now() < oldExpiry) schedule(RETRY_MS, oldExpiry);
      return;
    }
    if (stopped || fresh.expiresAtMs === undefined) return; // TURN switched off meanwhile
    try {
      session.setIceServers(fresh.iceServers);
      const path = await session.selectedPath().catch(() => undefined);
      if (path !== 'direct') await session.restartIce();
    } catch (err) {
      if (stopped) return;
      o.log?.warn({ err }, 'ICE restart with renewed TURN credentials failed');
    }
    schedule(renewDelayMs(fresh.expiresAtMs, now()), fresh.expiresAtMs);
  };
  if (o.expiresAtMs !== undefined) schedule(renewDelayMs(o.expiresAtMs, now()), o.expiresAtMs);
  session.on('close', stop);
  return stop;
}
