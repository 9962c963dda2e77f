import type { HttpRequest, HttpResponse, us_socket_context_t } from 'uWebSockets.js';
import {
  ErrorCode,
  type HttpErrorBody,
  Id,
  WS_BEARER_PREFIX,
  WS_SUBPROTOCOL,
  WS_TICKET_PREFIX,
} from '@hypersend/protocol';
import type { AccessClaims, ServerContext } from '../context.ts';
import { deviceKey } from './bus.ts';
import type { Connection, SocketData, UpgradeData } from './connection.ts';
import type { ConnectionRegistry } from './connection-registry.ts';
import type { WsCounters } from './ws-metrics.ts';

/** The credential a client offered in `Sec-WebSocket-Protocol`. */
export type OfferedCredential = { kind: 'bearer' | 'ticket'; value: string };

/** Why an upgrade was refused: HTTP status, error code, metric label. */
export interface UpgradeRejection {
  status: 400 | 401 | 403 | 429 | 503;
  code: ErrorCode;
  reason: string;
  message: string;
}

const reject = (
  status: UpgradeRejection['status'],
  code: ErrorCode,
  reason: string,
  message: string,
): UpgradeRejection => ({
  status,
  code,
  reason,
  message,
});

/** Query parameters that would put a credential in the URL, where proxies and logs keep it. */
const URL_CREDENTIALS = ['token', 'access_token', 'accessToken', 'ticket', 'bearer', 'jwt', 'authorization'];

/**
 * Parse `Sec-WebSocket-Protocol`: it must offer `hypersend.v1` and exactly one credential,
 * `bearer.<jwt>` or `ticket.<ticket>`.
 *
 * @example
 * parseOfferedProtocols('hypersend.v1, bearer.eyJ...'); // { kind: 'bearer', value: 'eyJ...' }
 */
export function parseOfferedProtocols(header: string): OfferedCredential | UpgradeRejection {
  let version = false;
  let credential: OfferedCredential | undefined;
  let credentials = 0;
  for (const raw of header.split(',')) {
    const entry = raw.trim();
    if (entry === WS_SUBPROTOCOL) version = true;
    else if (entry.startsWith(WS_BEARER_PREFIX)) {
      credentials += 1;
      credential = { kind: 'bearer', value: entry.slice(WS_BEARER_PREFIX.length) };
    } else if (entry.startsWith(WS_TICKET_PREFIX)) {
      credentials += 1;
      credential = { kind: 'ticket', value: entry.slice(WS_TICKET_PREFIX.length) };
    }
  }
  if (!version)
    return reject(400, ErrorCode.unsupportedVersion, 'protocol', `offer the ${WS_SUBPROTOCOL} sub-protocol`);
  if (credential === undefined || credential.value === '')
    return reject(401, ErrorCode.unauthorized, 'missing_credential', 'no credential offered');
  if (credentials > 1) return reject(400, ErrorCode.badRequest, 'protocol', 'offer exactly one credential');
  return credential;
}

/** Is this `Origin` header acceptable? Absent means a non-browser client. */
export function originAllowed(origin: string, allowed: readonly string[]): boolean {
  if (origin === '') return true;
  const normalized = origin.toLowerCase().replace(/\/+$/, '');
  return allowed.some((a) => a.toLowerCase().replace(/\/+$/, '') === normalized);
}

/** Client IP: the socket peer, or behind a trusted proxy the entry that proxy appended last. */
export function clientIp(peer: string, forwardedFor: string, trustProxy: boolean): string {
  if (trustProxy && forwardedFor !== '') {
    const parts = forwardedFor.split(',');
    const last = parts[parts.length - 1]?.trim();
    if (last) return last;
  }
  return peer;
}

/** What the upgrade handler needs from the gateway. */
export interface UpgradeDeps {
  ctx: ServerContext;
  registry: ConnectionRegistry;
  counters: WsCounters;
  /** True once shutdown began: new upgrades get 503. */
  isClosing(): boolean;
  /** Build the socket's state; it becomes the uWS user data. */
  createConnection(data: UpgradeData): Connection;
}

/**
 * The uWS `upgrade` handler of `/v1/ws`. Every check happens before the 101, so a refused
 * client gets a real HTTP status (and no socket): 400 malformed, 401 credential, 403 origin
 * or device, 429 connection caps, 503 shutting down. `req` is only valid until the first
 * await, so everything needed is copied first; `onAborted` guards the `res` after it.
 */
export function createUpgradeHandler(deps: UpgradeDeps) {
  const { ctx, registry, counters } = deps;
  const log = ctx.log.child({ component: 'ws-upgrade' });
  return (res: HttpResponse, req: HttpRequest, context: us_socket_context_t): void => {
    const secKey = req.getHeader('sec-websocket-key');
    const protocols = req.getHeader('sec-websocket-protocol');
    const extensions = req.getHeader('sec-websocket-extensions');
    const origin = req.getHeader('origin');
    const forwardedFor = ctx.config.trustProxy ? req.getHeader('x-forwarded-for') : '';
    const query = req.getQuery() ?? '';
    const peer = Buffer.from(res.getRemoteAddressAsText()).toString();
    const ip = clientIp(peer, forwardedFor, ctx.config.trustProxy);

    const state = { aborted: false };
    res.onAborted(() => {
      state.aborted = true;
    });
    const refuse = (r: UpgradeRejection): void => {
      counters.authFailure(r.reason);
      log.debug({ ip, reason: r.reason, status: r.status }, 'ws upgrade refused');
      if (!state.aborted) res.cork(() => writeRejection(res, r));
    };

    const early = checkRequest(deps, protocols, origin, query);
    if ('status' in early) {
      refuse(early);
      return;
    }
    if (!registry.reserveIp(ip)) {
      refuse(reject(429, ErrorCode.rateLimited, 'ip_cap', 'too many connections from this address'));
      return;
    }

    const finish = (result: AccessClaims | UpgradeRejection): void => {
      if ('status' in result) {
        registry.releaseIp(ip);
        refuse(result);
        return;
      }
      if (state.aborted || deps.isClosing()) {
        registry.releaseIp(ip);
        registry.releaseUser(result.userId);
        if (!state.aborted)
          refuse(reject(503, ErrorCode.unavailable, 'shutting_down', 'server is shutting down'));
        return;
      }
      const data: UpgradeData = {
        userId: result.userId,
        deviceId: early.deviceId,
        ip,
        expiresAt: result.expiresAt,
        tokenId: result.tokenId,
      };
      // The chosen sub-protocol is the version only: the credential is never echoed back.
      res.cork(() =>
        res.upgrade<SocketData>(
          { conn: deps.createConnection(data) },
          secKey,
          WS_SUBPROTOCOL,
          extensions,
          context,
        ),
      );
    };
    const failed = (err: unknown): void => {
      registry.releaseIp(ip);
      log.error({ err }, 'ws upgrade failed');
      refuse(reject(503, ErrorCode.unavailable, 'internal', 'try again later'));
    };
    void authorize(deps, early.credential, early.deviceId).then(finish, failed);
  };
}

/** The synchronous checks: shutdown, origin, sub-protocols, credentials in the URL, device id. */
function checkRequest(
  deps: UpgradeDeps,
  protocols: string,
  origin: string,
  query: string,
): { credential: OfferedCredential; deviceId: string } | UpgradeRejection {
  if (deps.isClosing()) return reject(503, ErrorCode.unavailable, 'shutting_down', 'server is shutting down');
  if (!originAllowed(origin, deps.ctx.config.allowedOrigins))
    return reject(403, ErrorCode.forbidden, 'origin', 'origin not allowed');
  const params = new URLSearchParams(query);
  if (URL_CREDENTIALS.some((name) => params.has(name)))
    return reject(
      401,
      ErrorCode.unauthorized,
      'credential_in_url',
      'credentials go in Sec-WebSocket-Protocol, never in the URL',
    );
  const credential = parseOfferedProtocols(protocols);
  if ('status' in credential) return credential;
  const deviceId = params.get('device') ?? '';
  if (!Id.safeParse(deviceId).success)
    return reject(400, ErrorCode.badRequest, 'bad_device', 'query parameter device must be a device id');
  return { credential, deviceId };
}

/** The asynchronous checks: credential, per-user cap, device ownership. Holds a user slot on success. */
async function authorize(
  deps: UpgradeDeps,
  credential: OfferedCredential,
  deviceId: string,
): Promise<AccessClaims | UpgradeRejection> {
  const { ctx, registry } = deps;
  let claims: AccessClaims | null;
  if (credential.kind === 'ticket') claims = ctx.tokens.consumeWsTicket(credential.value);
  else claims = await ctx.tokens.verifyAccessToken(credential.value).catch(() => null);
  if (claims === null)
    return reject(
      401,
      ErrorCode.unauthorized,
      credential.kind === 'ticket' ? 'bad_ticket' : 'bad_token',
      'invalid or expired credential',
    );
  if (!registry.reserveUser(claims.userId, deviceKey(claims.userId, deviceId)))
    return reject(429, ErrorCode.rateLimited, 'user_cap', 'too many connections for this user');
  let device: unknown;
  try {
    device = await ctx.store.getDevice(claims.userId, deviceId);
  } catch (err) {
    registry.releaseUser(claims.userId);
    throw err;
  }
  if (device === null) {
    registry.releaseUser(claims.userId);
    return reject(403, ErrorCode.forbidden, 'unknown_device', 'device is not registered for this user');
  }
  return claims;
}

const STATUS_TEXT: Record<UpgradeRejection['status'], string> = {
  400: '400 Bad Request',
  401: '401 Unauthorized',
  403: '403 Forbidden',
  429: '429 Too Many Requests',
  503: '503 Service Unavailable',
};

function writeRejection(res: HttpResponse, r: UpgradeRejection): void {
  const body: HttpErrorBody = { error: { code: r.code, message: r.message } };
  res.writeStatus(STATUS_TEXT[r.status]);
  res.writeHeader('content-type', 'application/json');
  if (r.status === 401) res.writeHeader('www-authenticate', 'Bearer');
  if (r.status === 429 || r.status === 503) res.writeHeader('retry-after', '5');
  res.end(JSON.stringify(body), true);
}
