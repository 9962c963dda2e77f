import { decodeJwt } from 'jose';
import type { AccessClaims, AccessTokenVerifier } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import type { AccessTokens } from './access-tokens.ts';
import type { ExternalTokens } from './external-tokens.ts';
import type { WsTickets } from './ws-tickets.ts';

/**
 * The `AccessTokenVerifier` handed to the rest of the server (`ctx.tokens`): routes a bearer token to
 * our own verifier or to the external identity provider's by its (unverified) `iss`, then verifies
 * it fully with that side's pinned algorithms, issuer and audience.
 *
 * @example
 * const tokens = createTokenVerifier({ access, external, tickets });
 * const claims = await tokens.verifyAccessToken(bearer); // throws HttpError 401
 */
export function createTokenVerifier(options: {
  access: AccessTokens;
  external: ExternalTokens | null;
  tickets: WsTickets;
}): AccessTokenVerifier {
  const { access, external, tickets } = options;
  return {
    async verifyAccessToken(token: string): Promise<AccessClaims> {
      if (typeof token !== 'string' || token.length === 0 || token.length > 8192)
        throw HttpError.unauthorized('invalid_token');
      let iss: unknown;
      try {
        iss = decodeJwt(token).iss;
      } catch (cause) {
        throw HttpError.unauthorized('malformed_token', 'invalid or expired access token', cause);
      }
      // The issuer only selects which verifier runs; it is checked again during verification.
      if (external && iss === external.issuer && iss !== access.issuer()) return external.verify(token);
      return access.verify(token);
    },
    issueWsTicket: (claims) => tickets.issue(claims),
    consumeWsTicket: (ticket) => (typeof ticket === 'string' ? tickets.consume(ticket) : null),
  };
}
