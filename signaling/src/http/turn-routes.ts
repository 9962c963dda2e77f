import type { TurnCredentialIssuer } from '../turn/turn-credentials.ts';
import { HttpError } from './errors.ts';
import { callerOf, defineRoute, type Route } from './router.ts';

/**
 * `POST /v1/turn/credentials`: short-lived TURN credentials for the authenticated caller, as an
 * `iceServers` list ready for `RTCPeerConnection`. 429 with Retry-After past the per-user limit.
 * POST, not GET, because every call mints a new credential; answers are never cached.
 *
 * @example
 * registerRoutes(app, ctx, [...authRoutes(deps), ...turnRoutes({ turn: issuer })]);
 */
export function turnRoutes(deps: { turn: TurnCredentialIssuer }): Route[] {
  return [
    defineRoute({
      method: 'post',
      pattern: '/v1/turn/credentials',
      auth: true,
      handle: (input) => {
        const result = deps.turn.issue(callerOf(input));
        if (!result.ok) throw HttpError.rateLimited(result.error.retryAfterSeconds, 'turn_credentials');
        return { status: 200, json: result.value };
      },
    }),
  ];
}
