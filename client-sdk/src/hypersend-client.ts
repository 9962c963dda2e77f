import type { ContactInfo, DeviceAddress, DeviceInfo, RegisterResponse, UserInfo } from '@hypersend/protocol';
import { HttpApi } from './api/http-api.ts';
import { type FetchFn, HttpTransport } from './api/http-transport.ts';
import { type Clock, childLogger, type Logger } from './api/runtime.ts';
import { Session, type SessionEvents, type SessionOptions, type TokenProvider } from './auth/session.ts';
import { ChatApi } from './chat/chat-api.ts';
import { type ContactDevice, KeyDirectory, type KeyDirectoryEvents } from './contacts/key-directory.ts';
import type { KeyStore } from './contacts/key-store.ts';
import { publicIdentity } from './crypto/keys.ts';
import { HypersendError } from './errors.ts';
import { Emitter } from './events.ts';
import { type DeviceIdentity, type IdentityStore, loadOrCreateIdentity } from './identity/device-identity.ts';
import {
  SignalingClient,
  type SignalingClientOptions,
  type SignalingEvents,
  type WsCredential,
} from './signaling/signaling-client.ts';
import type { WebSocketConstructor } from './signaling/websocket-like.ts';
import type { IncomingTransfer } from './transfers/incoming.ts';
import type { SendOptions, SendSource } from './transfers/outgoing.ts';
import type { Transfer } from './transfers/transfer-handle.ts';
import type { TransferService, TransferServiceFactory } from './transfers/transfer-service.ts';

/** Every event of the client: signaling, session and key directory events in one place. */
export type ClientEvents = SignalingEvents &
  SessionEvents &
  KeyDirectoryEvents & {
    /** A contact's device offers files: verified and decrypted, nothing written yet. */
    offer: IncomingTransfer;
  };

/** Options of {@link HypersendClient} with every seam explicit; `createClient` fills platform defaults. */
export interface HypersendClientOptions {
  /** Base URL of the signaling server, e.g. `https://send.example.com`. */
  serverUrl: string;
  identityStore: IdentityStore;
  keyStore: KeyStore;
  WebSocket: WebSocketConstructor;
  /** How `/v1/ws` is authenticated: `bearer` (Node, `ws` can set sub-protocols freely) or `ticket`. */
  wsAuth: 'bearer' | 'ticket';
  fetch?: FetchFn;
  log?: Logger;
  clock?: Clock;
  /** Name of this device shown to contacts, used when the identity is first created. */
  deviceName?: string;
  httpTimeoutMs?: number;
  session?: Pick<SessionOptions, 'refreshAt' | 'jitter' | 'skewMs' | 'random'>;
  signaling?: Pick<SignalingClientOptions, 'backoff' | 'requestTimeoutMs' | 'connectTimeoutMs' | 'random'>;
  /**
   * File transfers (`send`, `offer` events). Node's `createClient` passes `nodeTransfers()`;
   * without it `send` throws `unsupported` (browsers, for now).
   */
  transfers?: TransferServiceFactory;
}

const SIGNALING_EVENTS = [
  'connected',
  'disconnected',
  'replaced',
  'signal',
  'presence',
  'error',
  'relay-notice',
] as const;

/**
 * The connection layer of Hypersend for one app and one device: accounts and tokens, this device's
 * identity and registration, the signaling socket, contacts and their pinned keys. Made by
 * `createClient` (Node: `ws` and files under `~/.config/hypersend`; browsers: global WebSocket).
 *
 * @example
 * const client = createClient({ serverUrl: 'http://127.0.0.1:8080' });
 * client.on('session-expired', () => askForPassword());
 * client.on('signal', (s) => peers.handle(s));
 * await client.login('alice', 'correct horse battery');
 * await client.connect();
 * const [bobLaptop] = await client.keys.devicesOf('bob');
 * await client.signaling.sendSignal({ user: bobLaptop.userId, device: bobLaptop.deviceId }, 'offer', sid, offer);
 */
export class HypersendClient extends Emitter<ClientEvents> {
  /** The typed HTTP API, authenticated with this client's session. */
  readonly api: HttpApi;
  readonly session: Session;
  /** Pinned contact keys (trust on first use). */
  readonly keyDirectory: KeyDirectory;
  /** End-to-end encrypted conversations: `create`, `send`, `history`, `markRead`, events. */
  readonly chat: ChatApi;
  private readonly anonymous: HttpApi;
  private readonly log: Logger;
  private signalingClient: SignalingClient | undefined;
  private identity: DeviceIdentity | undefined;
  private user: UserInfo | undefined;
  private readonly transfers: TransferService | undefined;

  constructor(private readonly options: HypersendClientOptions) {
    super();
    this.log = childLogger(options.log, 'hypersend-client');
    const httpOptions = {
      baseUrl: options.serverUrl,
      log: childLogger(options.log, 'http'),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.httpTimeoutMs ? { timeoutMs: options.httpTimeoutMs } : {}),
    };
    this.anonymous = new HttpApi(httpOptions);
    this.session = new Session({
      refresh: (token) => this.anonymous.refresh(token),
      log: childLogger(options.log, 'session'),
      ...(options.clock ? { clock: options.clock } : {}),
      ...options.session,
    });
    this.api = this.anonymous.withAuth(this.session);
    this.keyDirectory = new KeyDirectory({
      store: options.keyStore,
      fetchDevices: (username) => this.api.devicesOf(username),
      self: () =>
        this.identity && this.user
          ? { userId: this.user.userId, keys: publicIdentity(this.identity) }
          : undefined,
    });
    this.session.on('refreshed', (e) => this.emit('refreshed', e));
    this.session.on('session-expired', (e) => this.emit('session-expired', e));
    this.keyDirectory.on('device-added', (e) => this.emit('device-added', e));
    this.keyDirectory.on('key-changed', (e) => this.emit('key-changed', e));
    this.transfers = options.transfers?.(this, (offer) => this.emit('offer', offer));
    this.chat = new ChatApi({
      http: new HttpTransport(httpOptions).withAuth(this.session),
      signaling: () => this.signalingClient,
      self: () =>
        this.identity && this.user
          ? { userId: this.user.userId, username: this.user.username, identity: this.identity }
          : undefined,
      devicesOf: (username) => this.keyDirectory.getDevices(username),
      isBlocked: (user, device) => this.keyDirectory.isBlocked(user, device),
      ...(options.log ? { log: options.log } : {}),
    });
    // A key change seen anywhere (safety numbers, a transfer) must reach the next chat send at
    // once, not when the chat's device list cache expires.
    this.keyDirectory.on('key-changed', (e) => this.chat.forgetDevices(e.username));
    this.keyDirectory.on('device-added', (e) => this.chat.forgetDevices(e.username));
  }

  /**
   * Send files, a folder tree or a stream to `toUsername`'s device: the key directory checks the
   * device key (a changed key fails with `key_changed`), the offer goes through signaling, and
   * after the recipient accepts the bytes go peer to peer. Returns at once; listen, then await
   * `result`. Sending the same files to the same device again after an interruption resumes.
   *
   * @example
   * await client.connect();
   * const t = client.send('bob', ['./report.pdf'], { answerTimeoutMs: 60_000 });
   * t.on('progress', (p) => console.log(`${p.bytes}/${p.total} ${p.rate} B/s via ${p.path}`));
   * t.on('error', (e) => console.error(e.code)); // declined, cancelled, peer_offline, ...
   * await t.result;
   * @throws HypersendError `unsupported` when the client was built without transfers.
   */
  send(toUsername: string, source: SendSource, options?: SendOptions): Transfer {
    if (this.transfers === undefined)
      throw new HypersendError(
        'unsupported',
        'this client has no transfer service (Node createClient has one)',
      );
    return this.transfers.send(toUsername, source, options);
  }

  /** @internal a failure that belongs to no request (e.g. a refused incoming offer): `error` event. */
  reportError(error: HypersendError): void {
    this.emit('error', { error });
  }

  /** The logged-in user, known after `login`/`register`/`connect`. */
  get me(): UserInfo | undefined {
    return this.user;
  }

  /** This device's identity, known after `connect`. */
  get device(): DeviceIdentity | undefined {
    return this.identity;
  }

  /**
   * The signaling connection (exists after the first `connect`).
   *
   * @throws HypersendError `not_connected` before `connect`.
   */
  get signaling(): SignalingClient {
    if (this.signalingClient === undefined) throw new HypersendError('not_connected', 'call connect() first');
    return this.signalingClient;
  }

  /**
   * Create an account, then log in with it.
   *
   * @example
   * await client.register('alice', 'correct horse battery');
   * @throws HypersendError `conflict` (username taken), `bad_request` (invalid username/password).
   */
  async register(username: string, password: string, displayName?: string): Promise<RegisterResponse> {
    const account = await this.anonymous.register(username, password, displayName);
    await this.login(username, password);
    return account;
  }

  /**
   * Log in with a password; tokens are then refreshed automatically.
   *
   * @example
   * await client.login('alice', 'correct horse battery');
   * @throws HypersendError `unauthorized`, `rate_limited`.
   */
  async login(username: string, password: string): Promise<UserInfo> {
    this.session.setTokens(await this.anonymous.login(username, password));
    this.user = await this.api.me();
    return this.user;
  }

  /**
   * Use the app's own tokens (external identity provider, JWKS mode) instead of `login`.
   * `getToken` is called before every request: it should cache and renew by itself.
   *
   * @example
   * client.useToken(() => idp.currentAccessToken());
   */
  useToken(getToken: TokenProvider): void {
    this.session.useTokenProvider(getToken);
  }

  /**
   * Load (or create and save) this device's identity, register it with the server when it is not
   * registered or its keys differ, and open the signaling connection. Resolves when connected.
   *
   * @example
   * await client.connect();
   * @throws HypersendError `not_authenticated`, `insecure_file`, `replaced`, `session_expired`.
   */
  async connect(): Promise<void> {
    const identity = await this.prepare();
    if (this.signalingClient === undefined) this.signalingClient = this.createSignaling(identity);
    await this.signalingClient.connect();
  }

  /**
   * Everything `connect` does except opening the signaling socket: load (or create) the identity,
   * register the device, load pinned keys. For short-lived tools (the CLI's `devices`,
   * `fingerprint`) that must not take the device's signaling connection from a running receiver.
   *
   * @example
   * await client.prepare();
   * console.log(await client.keys.safetyNumber('bob'));
   * @throws HypersendError `not_authenticated`, `insecure_file`, `session_expired`.
   */
  async prepare(): Promise<DeviceIdentity> {
    if (!this.session.authenticated)
      throw new HypersendError('not_authenticated', 'log in or useToken first');
    const identity = await loadOrCreateIdentity(
      this.options.identityStore,
      this.options.deviceName ?? 'Hypersend',
    );
    this.identity = identity;
    // 'non-extractable' (browser CryptoKeys), 'wrapped' (older browsers) or 'bytes' (Node file).
    this.log.debug(
      { deviceId: identity.deviceId, keyProtection: identity.keyProtection },
      'device identity loaded',
    );
    this.user = await this.api.me();
    await this.keyDirectory.ready();
    await this.ensureRegistered(identity);
    return identity;
  }

  /**
   * Close the signaling connection (no reconnect). Tokens are kept: `connect()` again works.
   *
   * @example
   * client.disconnect();
   */
  disconnect(): void {
    this.signalingClient?.close();
  }

  /**
   * Disconnect and stop every timer (refresh), keeping nothing running. Call when the app exits.
   *
   * @example
   * client.close();
   */
  close(): void {
    this.disconnect();
    this.transfers?.close();
    this.chat.close();
    this.session.close();
  }

  /**
   * Revoke the refresh token on the server, forget the tokens and disconnect.
   *
   * @example
   * await client.logout();
   */
  async logout(): Promise<void> {
    const refreshToken = this.session.refreshToken;
    this.disconnect();
    this.session.clear();
    this.user = undefined;
    if (refreshToken !== undefined) await this.anonymous.logout(refreshToken);
  }

  /** Contacts: list, request, accept, remove, block (user ids as the server reports them). */
  readonly contacts = {
    /** @example const all = await client.contacts.list(); */
    list: async (): Promise<ContactInfo[]> => (await this.api.listContacts()).contacts,
    /** @example await client.contacts.request('bob'); */
    request: (username: string): Promise<void> => this.api.requestContact(username),
    /** @example await client.contacts.accept(incoming.userId); */
    accept: (userId: string): Promise<ContactInfo> => this.api.acceptContact(userId),
    /** @example await client.contacts.remove(bob.userId); */
    remove: (userId: string): Promise<void> => this.api.removeContact(userId),
    /** @example await client.contacts.block(mallory.userId); */
    block: (userId: string): Promise<void> => this.api.blockContact(userId),
  };

  /** My devices. */
  readonly devices = {
    /** @example const mine = await client.devices.list(); */
    list: async (): Promise<DeviceInfo[]> => (await this.api.listDevices()).devices,
    /** @example await client.devices.remove('d_old-phone'); */
    remove: (deviceId: string): Promise<void> => this.api.removeDevice(deviceId),
  };

  /** Contacts' device keys (trust on first use) and safety numbers. */
  readonly keys = {
    /** @example const devices = await client.keys.devicesOf('bob'); */
    devicesOf: (username: string): Promise<ContactDevice[]> => this.keyDirectory.getDevices(username),
    /** @example const sn = await client.keys.safetyNumber('bob'); */
    safetyNumber: (username: string, deviceId?: string): Promise<string> =>
      this.keyDirectory.safetyNumber(username, deviceId),
    /** @example await client.keys.acceptKeyChange(bob.userId, bobPhone); */
    acceptKeyChange: (user: string, device: string): Promise<void> =>
      this.keyDirectory.acceptKeyChange(user, device),
    /** @example if (client.keys.isBlocked(bob.userId, bobPhone)) warn(); */
    isBlocked: (user: string, device: string): boolean => this.keyDirectory.isBlocked(user, device),
    /** @example client.keys.assertSendable(bob.userId, bobPhone); */
    assertSendable: (user: string, device: string): void => this.keyDirectory.assertSendable(user, device),
  };

  private async ensureRegistered(identity: DeviceIdentity): Promise<void> {
    const keys = publicIdentity(identity);
    const { devices } = await this.api.listDevices();
    const current = devices.find((d) => d.deviceId === identity.deviceId);
    if (current && current.x25519 === keys.x25519 && current.ed25519 === keys.ed25519) return;
    this.log.info({ deviceId: identity.deviceId, known: current !== undefined }, 'registering device');
    await this.api.registerDevice({ deviceId: identity.deviceId, name: identity.name, ...keys });
  }

  private createSignaling(identity: DeviceIdentity): SignalingClient {
    const sig = new SignalingClient({
      url: `${this.options.serverUrl.replace(/\/+$/, '').replace(/^http/, 'ws')}/v1/ws`,
      deviceId: identity.deviceId,
      WebSocket: this.options.WebSocket,
      credential: (req) => this.wsCredential(req.fresh),
      beforeSend: (to: DeviceAddress) => this.keyDirectory.assertNotBlocked(to.user, to.device),
      log: childLogger(this.options.log, 'signaling'),
      ...(this.options.clock ? { clock: this.options.clock } : {}),
      ...this.options.signaling,
    });
    const fire = this.emit.bind(this) as (event: string, payload?: unknown) => void;
    for (const name of SIGNALING_EVENTS) sig.on(name, (payload: unknown) => fire(name, payload));
    this.chat.attach(sig);
    return sig;
  }

  private async wsCredential(fresh: boolean): Promise<WsCredential> {
    if (fresh) await this.session.refresh();
    if (this.options.wsAuth === 'ticket')
      return { kind: 'ticket', value: (await this.api.wsTicket()).ticket };
    return { kind: 'bearer', value: await this.session.token() };
  }
}
