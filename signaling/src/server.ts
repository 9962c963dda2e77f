import uWS from 'uWebSockets.js';
import type { Logger } from 'pino';
import { createAccessTokens } from './auth/access-tokens.ts';
import { createExternalTokens } from './auth/external-tokens.ts';
import { createPasswordHasher } from './auth/passwords.ts';
import { createRateLimiter } from './auth/rate-limiter.ts';
import { createRefreshTokens } from './auth/refresh-tokens.ts';
import { createTokenVerifier } from './auth/token-verifier.ts';
import { createWsTickets } from './auth/ws-tickets.ts';
import { createChatModule } from './chat/chat-module.ts';
import { ChatRelationships } from './chat/chat-relationships.ts';
import type { ChatStore } from './chat/chat-store.ts';
import { openChatStore } from './chat/open-chat-store.ts';
import type { SignalingConfig } from './config.ts';
import { type Clock, type ServerContext, systemClock } from './context.ts';
import { authRoutes } from './http/auth-routes.ts';
import { contactRoutes } from './http/contact-routes.ts';
import { deviceRoutes } from './http/device-routes.ts';
import { healthRoutes } from './http/health-routes.ts';
import { registerNotFound, registerRoutes } from './http/router.ts';
import { turnRoutes } from './http/turn-routes.ts';
import { createLogger } from './logger.ts';
import { METRIC_DEFINITIONS } from './metric-names.ts';
import { createMetrics } from './metrics.ts';
import { detectUwsBinding, type UwsBinding } from './native-check.ts';
import { noticeRoutes } from './relay-notices/notice-routes.ts';
import { createNoticeService } from './relay-notices/notice-service.ts';
import type { RelayNoticeStore } from './relay-notices/notice-store.ts';
import { openNoticeStore } from './relay-notices/open-notice-store.ts';
import { createAccounts } from './services/accounts.ts';
import { createContacts } from './services/contacts.ts';
import { createDevices } from './services/devices.ts';
import { ContactRelationships, RelationshipFeed } from './services/relationships.ts';
import { openStore } from './store/open-store.ts';
import type { Store } from './store/store.ts';
import { createTurnCredentialIssuer } from './turn/turn-credentials.ts';
import { createLocalBus, deviceKey } from './ws/bus.ts';
import { registerWebSocket } from './ws/gateway.ts';

/** A running signaling server. */
export interface SignalingServer {
  /** `http://127.0.0.1:PORT` (the listening host and the actual port). */
  url: string;
  port: number;
  /** `ws://…/v1/ws` */
  wsUrl: string;
  /** Which uWS implementation runs. */
  binding: UwsBinding;
  /** True when the JWT signing key was generated at start-up (development). */
  ephemeralKey: boolean;
  context: ServerContext;
  /** Stop listening, shut the WebSocket gateway down, stop workers, close the store if we opened it. */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

/** How long `close()` lets WebSocket clients leave before giving up on them. */
const DEFAULT_SHUTDOWN_MS = 5000;
const LOGIN_WINDOW_MS = 15 * 60_000;

/**
 * Build and start the signaling server: HTTP API, `/v1/ws`, health and metrics.
 *
 * @example
 * const server = await createSignalingServer({ config: loadConfig({ PORT: '0', LOG_LEVEL: 'silent' }) });
 * const res = await fetch(`${server.url}/healthz`);
 * await server.close();
 */
export async function createSignalingServer(options: {
  config: SignalingConfig;
  store?: Store;
  /** Chat store; default: opened from the config next to the main store. */
  chatStore?: ChatStore;
  /** Relay notice store; default: opened from the config next to the main store. */
  relayNotices?: RelayNoticeStore;
  log?: Logger;
  clock?: Clock;
}): Promise<SignalingServer> {
  const { config } = options;
  const log = options.log ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;

  const binding = detectUwsBinding();
  if (!binding.native && config.mode === 'production')
    throw new Error(`refusing to start in production with the ${binding.description}`);
  (binding.native ? log.info.bind(log) : log.warn.bind(log))({ uws: binding.description }, 'uWebSockets.js');

  const ownsStore = options.store === undefined;
  const store = options.store ?? (await openStore(config, log));
  const cleanups: Array<() => Promise<void> | void> = [];
  if (ownsStore) cleanups.push(() => store.close());
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        log.warn({ err }, 'error during shutdown');
      }
    }
    cleanups.length = 0;
  };

  try {
    const metrics = createMetrics(METRIC_DEFINITIONS);
    const passwords = await createPasswordHasher(
      config.passwordHashCost,
      log.child({ component: 'passwords' }),
    );
    cleanups.push(() => passwords.close());

    // Known only after listening when PORT=0 and no public URL is set.
    let issuer = config.publicUrl ?? '';
    const access = await createAccessTokens({ config, log, clock, issuer: () => issuer });
    const external = await createExternalTokens({
      config,
      store,
      log: log.child({ component: 'external' }),
      clock,
    });
    const tickets = createWsTickets({ clock });
    const tokens = createTokenVerifier({ access, external, tickets });
    const chatStore = options.chatStore ?? (await openChatStore(config, log));
    if (options.chatStore === undefined) cleanups.push(() => chatStore.close());
    // Contacts, or members of a shared conversation, may reach each other.
    const relationships = new ChatRelationships(new ContactRelationships(store), chatStore);
    const ctx: ServerContext = { config, store, log, clock, metrics, tokens, relationships };

    const accounts = createAccounts({
      store,
      passwords,
      access,
      refresh: createRefreshTokens({ store, clock, log, ttlSeconds: config.jwt.refreshTtlSeconds }),
      clock,
      log: log.child({ component: 'accounts' }),
      metrics,
      limits: {
        perAccount: createRateLimiter({
          limit: config.limits.loginFailuresPerAccount,
          windowMs: LOGIN_WINDOW_MS,
          now: () => clock.now(),
        }),
        perIp: createRateLimiter({
          limit: config.limits.loginAttemptsPerIp,
          windowMs: LOGIN_WINDOW_MS,
          now: () => clock.now(),
        }),
      },
    });
    const devices = createDevices({ store, relationships, clock, log: log.child({ component: 'devices' }) });
    // Contact changes reach the WebSocket gateway's reachability cache at once.
    const relationshipChanges = new RelationshipFeed();
    const contacts = createContacts({
      store,
      clock,
      log: log.child({ component: 'contacts' }),
      onChange: relationshipChanges.publish,
    });

    const relayNoticeStore = options.relayNotices ?? (await openNoticeStore(config));
    if (options.relayNotices === undefined) cleanups.push(() => relayNoticeStore.close());
    // One bus for the gateway and the relay notices, so a notice reaches a connected device at once.
    const bus = createLocalBus();
    const relayNotices = createNoticeService({
      notices: relayNoticeStore,
      store,
      relationships,
      clock,
      log: log.child({ component: 'relay-notices' }),
      push: (user, device, frame) => bus.publish(deviceKey(user, device), frame),
    });
    cleanups.push(() => relayNotices.close());

    const chat = createChatModule({
      store,
      chatStore,
      contacts: relationships.contacts,
      clock,
      log,
      retentionMs: config.chatRetentionMs,
      limits: { sendsPerSecond: config.chatSendRate, sendBurst: config.chatSendRate * 6 },
      onRelationshipChange: relationshipChanges.publish,
    });
    cleanups.push(() => chat.close());

    const app = uWS.App();
    registerRoutes(app, ctx, [
      ...healthRoutes(ctx),
      ...authRoutes({ accounts, access, tokens }),
      ...deviceRoutes({ devices }),
      ...contactRoutes({ contacts }),
      ...chat.routes,
      ...noticeRoutes({ notices: relayNotices, relayUrl: config.relayUrl }),
      // The issuer validates its settings here, so a bad TURN secret stops start-up.
      ...(config.turn ? turnRoutes({ turn: createTurnCredentialIssuer({ ...config.turn, clock }) }) : []),
    ]);
    const gateway = registerWebSocket(app, ctx, {
      chat: (replies) => chat.frames(replies),
      bus,
      relationshipChanges,
      idleTimeoutSeconds: config.limits.wsIdleTimeoutSeconds,
      maxBackpressureBytes: config.limits.wsMaxBackpressureBytes,
    });
    registerNotFound(app, ctx);

    const listenSocket = await new Promise<uWS.us_listen_socket>((resolve, reject) => {
      app.listen(config.host, config.port, (socket) => {
        if (socket) resolve(socket);
        else reject(new Error(`cannot listen on ${config.host}:${config.port}`));
      });
    });
    let listening = true;
    const stopListening = () => {
      if (!listening) return;
      listening = false;
      uWS.us_listen_socket_close(listenSocket);
    };
    cleanups.push(stopListening);
    const port = uWS.us_socket_local_port(listenSocket);
    const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
    const url = `http://${hostForUrl}:${port}`;
    if (!issuer) issuer = url;
    log.info({ url, store: store.kind, kid: access.keyId }, 'signaling server listening');

    let closing: Promise<void> | null = null;
    return {
      url,
      port,
      wsUrl: `${url.replace(/^http/, 'ws')}/v1/ws`,
      binding,
      ephemeralKey: access.ephemeral,
      context: ctx,
      close(closeOptions = {}) {
        closing ??= (async () => {
          // New connections are refused first; then clients are told to reconnect elsewhere.
          stopListening();
          try {
            await gateway.shutdown(closeOptions.timeoutMs ?? DEFAULT_SHUTDOWN_MS);
          } catch (err) {
            log.warn({ err }, 'gateway shutdown failed');
          }
          await cleanup();
          log.info('signaling server closed');
        })();
        return closing;
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
