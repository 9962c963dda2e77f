import { LoginRequest, LogoutRequest, RefreshRequest, RegisterRequest } from '@hypersend/protocol';
import type { AccessTokens } from '../auth/access-tokens.ts';
import type { AccessTokenVerifier } from '../context.ts';
import type { Accounts } from '../services/accounts.ts';
import { callerOf, claimsOf, defineRoute, type Route } from './router.ts';

/**
 * Accounts and tokens: register, login, refresh, logout, me, ws-ticket and the JWKS.
 *
 * @example
 * registerRoutes(app, ctx, authRoutes({ accounts, access, tokens: ctx.tokens }));
 */
export function authRoutes(deps: {
  accounts: Accounts;
  access: AccessTokens;
  tokens: AccessTokenVerifier;
}): Route[] {
  const { accounts, access, tokens } = deps;
  const jwks = defineRoute({
    method: 'get',
    pattern: '/v1/jwks.json',
    auth: false,
    noStore: false,
    // Public keys: cacheable briefly, so rotation reaches verifiers within minutes.
    handle: () => ({ status: 200, json: access.jwks(), headers: { 'Cache-Control': 'public, max-age=300' } }),
  });
  return [
    defineRoute({
      method: 'post',
      pattern: '/v1/auth/register',
      auth: false,
      body: RegisterRequest,
      handle: async ({ body }) => ({ status: 201, json: await accounts.register(body) }),
    }),
    defineRoute({
      method: 'post',
      pattern: '/v1/auth/login',
      auth: false,
      body: LoginRequest,
      handle: async ({ body, req }) => ({ status: 200, json: await accounts.login(body, req.ip) }),
    }),
    defineRoute({
      method: 'post',
      pattern: '/v1/auth/refresh',
      auth: false,
      body: RefreshRequest,
      handle: async ({ body }) => ({ status: 200, json: await accounts.refresh(body.refreshToken) }),
    }),
    defineRoute({
      method: 'post',
      pattern: '/v1/auth/logout',
      auth: false,
      body: LogoutRequest,
      handle: async ({ body }) => {
        await accounts.logout(body.refreshToken);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'get',
      pattern: '/v1/me',
      auth: true,
      handle: async (input) => ({ status: 200, json: await accounts.me(callerOf(input)) }),
    }),
    defineRoute({
      method: 'post',
      pattern: '/v1/ws-ticket',
      auth: true,
      handle: (input) => ({ status: 200, json: tokens.issueWsTicket(claimsOf(input)) }),
    }),
    jwks,
    { ...jwks, pattern: '/.well-known/jwks.json' },
  ];
}
