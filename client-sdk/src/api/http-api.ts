import {
  ContactInfo,
  ContactList,
  DeviceInfo,
  DeviceList,
  type DeviceRegistration,
  Id,
  RegisterResponse,
  TokenResponse,
  UserInfo,
  WsTicketResponse,
} from '@hypersend/protocol';
import { z } from 'zod';
import { HypersendError } from '../errors.ts';
import { type BearerAuth, HttpTransport, type HttpTransportOptions } from './http-transport.ts';

/**
 * Answer of `POST /v1/turn/credentials`: an `iceServers` list ready for `RTCPeerConnection`,
 * `ttl` in seconds and `expiresAt` in epoch seconds. Declared here because the server types it
 * only as a TypeScript interface; the shape is the server's `TurnCredentialsResponse`.
 */
export const TurnCredentials = z.object({
  iceServers: z.array(
    z.object({
      urls: z.array(z.string()),
      username: z.string().optional(),
      credential: z.string().optional(),
    }),
  ),
  ttl: z.number().int().positive(),
  expiresAt: z.number().int().positive(),
});
/** Parsed {@link TurnCredentials}. */
export type TurnCredentials = z.infer<typeof TurnCredentials>;

/** Options of {@link HttpApi}: the transport's (base URL, fetch, timeout, logger). */
export type HttpApiOptions = HttpTransportOptions;

// Path segments come from callers: validate them so `../` or `?` can never reshape the route.
function segment(schema: z.ZodType<string>, value: string, what: string): string {
  if (!schema.safeParse(value).success)
    throw HypersendError.invalidArgument(`${what} is not valid: ${value}`);
  return encodeURIComponent(value);
}
const UsernameSegment = z.string().regex(/^[a-z][a-z0-9_.-]{2,31}$/);

/**
 * Typed client for every route of the signaling server's HTTP API (README "HTTP API").
 * Answers are validated with the `@hypersend/protocol` schemas; failures are
 * {@link HypersendError}s carrying the server's code and `details.status`. Authenticated routes
 * need an instance made with {@link HttpApi.withAuth}.
 *
 * @example
 * const anon = new HttpApi({ baseUrl: 'http://127.0.0.1:8080' });
 * const tokens = await anon.login('alice', 'correct horse battery');
 * const api = anon.withAuth(session);
 * const { devices } = await api.listDevices();
 */
export class HttpApi {
  private readonly http: HttpTransport;

  constructor(options: HttpApiOptions | HttpTransport) {
    this.http = options instanceof HttpTransport ? options : new HttpTransport(options);
  }

  /** Server base URL without a trailing slash. */
  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /**
   * This API with bearer authentication from `auth` (normally the {@link Session}).
   *
   * @example
   * const api = new HttpApi({ baseUrl }).withAuth(session);
   */
  withAuth(auth: BearerAuth): HttpApi {
    return new HttpApi(this.http.withAuth(auth));
  }

  /**
   * `POST /v1/auth/register`: create an account.
   *
   * @example
   * await api.register('alice', 'correct horse battery', 'Alice');
   * @throws HypersendError `conflict` when the username is taken, `bad_request` when invalid.
   */
  register(username: string, password: string, displayName?: string): Promise<RegisterResponse> {
    const body = displayName === undefined ? { username, password } : { username, password, displayName };
    return this.http.request({ method: 'POST', path: '/v1/auth/register', body, schema: RegisterResponse });
  }

  /**
   * `POST /v1/auth/login`: access + refresh token.
   *
   * @example
   * const { accessToken, expiresIn } = await api.login('alice', 'correct horse battery');
   * @throws HypersendError `unauthorized` for wrong credentials, `rate_limited` (details.retryAfter).
   */
  login(username: string, password: string): Promise<TokenResponse> {
    return this.http.request({
      method: 'POST',
      path: '/v1/auth/login',
      body: { username, password },
      schema: TokenResponse,
    });
  }

  /**
   * `POST /v1/auth/refresh`: rotate a refresh token (single use; reusing one revokes its family).
   *
   * @example
   * const next = await api.refresh(tokens.refreshToken);
   * @throws HypersendError `unauthorized` when the refresh token is expired, revoked or reused.
   */
  refresh(refreshToken: string): Promise<TokenResponse> {
    return this.http.request({
      method: 'POST',
      path: '/v1/auth/refresh',
      body: { refreshToken },
      schema: TokenResponse,
    });
  }

  /**
   * `POST /v1/auth/logout`: revoke the refresh token's family.
   *
   * @example
   * await api.logout(tokens.refreshToken);
   */
  logout(refreshToken: string): Promise<void> {
    return this.http.request({ method: 'POST', path: '/v1/auth/logout', body: { refreshToken } });
  }

  /**
   * `GET /v1/me`: the authenticated user.
   *
   * @example
   * const { userId, username } = await api.me();
   */
  me(): Promise<UserInfo> {
    return this.http.authed({ method: 'GET', path: '/v1/me', schema: UserInfo });
  }

  /**
   * `POST /v1/ws-ticket`: a single-use, 30 s ticket to open `/v1/ws` where headers cannot be set
   * (browsers).
   *
   * @example
   * const { ticket } = await api.wsTicket();
   */
  wsTicket(): Promise<WsTicketResponse> {
    return this.http.authed({ method: 'POST', path: '/v1/ws-ticket', schema: WsTicketResponse });
  }

  /**
   * `POST /v1/devices`: register (or re-register) one of my devices with its public keys.
   *
   * @example
   * await api.registerDevice({ deviceId, name: 'laptop', x25519, ed25519 });
   */
  registerDevice(registration: DeviceRegistration): Promise<DeviceInfo> {
    return this.http.authed({ method: 'POST', path: '/v1/devices', body: registration, schema: DeviceInfo });
  }

  /**
   * `GET /v1/devices`: my devices and their public keys.
   *
   * @example
   * const { devices } = await api.listDevices();
   */
  listDevices(): Promise<DeviceList> {
    return this.http.authed({ method: 'GET', path: '/v1/devices', schema: DeviceList });
  }

  /**
   * `DELETE /v1/devices/:deviceId`: remove one of my devices.
   *
   * @example
   * await api.removeDevice('d_old-phone');
   * @throws HypersendError `not_found`.
   */
  removeDevice(deviceId: string): Promise<void> {
    return this.http.authed({ method: 'DELETE', path: `/v1/devices/${segment(Id, deviceId, 'device id')}` });
  }

  /**
   * `GET /v1/users/:username/devices`: a contact's devices and public keys. Prefer
   * `KeyDirectory.getDevices`, which pins the keys (trust on first use).
   *
   * @example
   * const { userId, devices } = await api.devicesOf('bob');
   * @throws HypersendError `not_found` for unknown users and non-contacts alike.
   */
  devicesOf(username: string): Promise<DeviceList> {
    const path = `/v1/users/${segment(UsernameSegment, username, 'username')}/devices`;
    return this.http.authed({ method: 'GET', path, schema: DeviceList });
  }

  /**
   * `GET /v1/contacts`.
   *
   * @example
   * const { contacts } = await api.listContacts();
   */
  listContacts(): Promise<ContactList> {
    return this.http.authed({ method: 'GET', path: '/v1/contacts', schema: ContactList });
  }

  /**
   * `POST /v1/contacts/requests`: ask `username` to be a contact. Always succeeds (202) whether or
   * not the user exists, so it cannot be used to probe usernames.
   *
   * @example
   * await api.requestContact('bob');
   */
  requestContact(username: string): Promise<void> {
    return this.http.authed({ method: 'POST', path: '/v1/contacts/requests', body: { username } });
  }

  /**
   * `POST /v1/contacts/:userId/accept`: accept an incoming request.
   *
   * @example
   * const bob = await api.acceptContact(request.userId);
   */
  acceptContact(userId: string): Promise<ContactInfo> {
    return this.http.authed({
      method: 'POST',
      path: `/v1/contacts/${segment(Id, userId, 'user id')}/accept`,
      body: {},
      schema: ContactInfo,
    });
  }

  /**
   * `DELETE /v1/contacts/:userId`.
   *
   * @example
   * await api.removeContact(bob.userId);
   */
  removeContact(userId: string): Promise<void> {
    return this.http.authed({ method: 'DELETE', path: `/v1/contacts/${segment(Id, userId, 'user id')}` });
  }

  /**
   * `POST /v1/contacts/:userId/block`.
   *
   * @example
   * await api.blockContact(mallory.userId);
   */
  blockContact(userId: string): Promise<void> {
    return this.http.authed({
      method: 'POST',
      path: `/v1/contacts/${segment(Id, userId, 'user id')}/block`,
      body: {},
    });
  }

  /**
   * `POST /v1/turn/credentials`: short-lived TURN credentials as `iceServers`.
   *
   * @example
   * const { iceServers } = await api.turnCredentials();
   * new RTCPeerConnection({ iceServers });
   * @throws HypersendError `rate_limited` (details.retryAfter) past the per-user limit.
   */
  turnCredentials(): Promise<TurnCredentials> {
    return this.http.authed({ method: 'POST', path: '/v1/turn/credentials', schema: TurnCredentials });
  }
}
