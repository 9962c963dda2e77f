import type { TemplatedApp } from 'uWebSockets.js';
import { CloseCode, MAX_WS_PAYLOAD_BYTES } from '@hypersend/protocol';
import type { ChatFrameHandler } from '../chat/chat-frame-handler.ts';
import type { ChatReplies } from '../chat/chat-ws.ts';
import type { ServerContext } from '../context.ts';
import { type Bus, createLocalBus } from './bus.ts';
import { type Connection, createConnection, type SocketData } from './connection.ts';
import { ConnectionRegistry } from './connection-registry.ts';
import { helloFrame, reconnectFrame, signalPrefix } from './frames.ts';
import { createMessageHandler } from './message-handler.ts';
import { Presence } from './presence.ts';
import { ReachCache } from './reach-cache.ts';
import { Sender } from './sender.ts';
import { SignalRouter } from './signal-router.ts';
import { createUpgradeHandler } from './upgrade.ts';
import { WsCounters } from './ws-metrics.ts';

/** The `/v1/ws` endpoint as the rest of the server sees it. */
export interface WebSocketGateway {
  /** Open WebSocket connections right now. */
  connectionCount(): number;
  /**
   * Graceful shutdown: tell every client to reconnect (a `reconnect` frame, then close 1001),
   * wait until they are gone or `timeoutMs` passes.
   */
  shutdown(timeoutMs: number): Promise<void>;
}

/** Tuning knobs of the gateway; the defaults are the production values. */
export interface GatewayOptions {
  /** Where frames for devices go. Default: in-process (`createLocalBus`). */
  bus?: Bus;
  /**
   * Seconds without traffic before uWS pings, then drops, a peer (dead-peer detection).
   * uWS rounds to its 4 s timer resolution. Default 60.
   */
  idleTimeoutSeconds?: number;
  /** Bytes queued for one slow socket before it is closed rather than buffered further. Default 1 MiB. */
  maxBackpressureBytes?: number;
  /**
   * Where relationship changes are announced (the contact service's feed). Each change drops the
   * pair's cached reachability at once, so a removed or blocked contact can no longer signal.
   */
  relationshipChanges?: RelationshipChanges;
  /** Builds the `chat.*` frame handler around this gateway's sender; without it chat is off. */
  chat?: (replies: ChatReplies) => ChatFrameHandler;
}

/** A feed of relationship changes between two users, e.g. `RelationshipFeed`. */
export interface RelationshipChanges {
  /** Call `listener` on every change; returns the unsubscribe function. */
  subscribe(listener: (a: string, b: string) => void): () => void;
}

/** Upper bound of the jittered `reconnect.afterMs`, so clients do not return all at once. */
export const RECONNECT_JITTER_MS = 5_000;
const DEFAULT_IDLE_TIMEOUT_S = 60;
const DEFAULT_MAX_BACKPRESSURE = 1024 * 1024;
/**
 * uWS's receive limit. Frames above MAX_WS_PAYLOAD_BYTES but within this one are closed with a
 * proper 1009 by the message handler; beyond it uWS drops the connection outright (no close frame).
 */
export const HARD_MAX_PAYLOAD_BYTES = 4 * MAX_WS_PAYLOAD_BYTES;
/** setTimeout's limit; tokens living longer are simply checked again on reconnect. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Register `/v1/ws` on the app: authenticated upgrade, validated frames, signal routing,
 * presence, limits and graceful shutdown. See `protocol/PROTOCOL.md`.
 *
 * @example
 * const gateway = registerWebSocket(app, ctx);
 * // on SIGTERM:
 * await gateway.shutdown(10_000);
 */
export function registerWebSocket(
  app: TemplatedApp,
  ctx: ServerContext,
  options: GatewayOptions = {},
): WebSocketGateway {
  const log = ctx.log.child({ component: 'ws' });
  const counters = new WsCounters(ctx.metrics);
  const registry = new ConnectionRegistry(ctx.config.limits);
  const bus = options.bus ?? createLocalBus();
  const maxBackpressure = options.maxBackpressureBytes ?? DEFAULT_MAX_BACKPRESSURE;
  const sender = new Sender(counters, {
    maxBackpressureBytes: maxBackpressure,
    onOverflow: (conn) =>
      close(conn, CloseCode.policyViolation, 'too slow: send buffer full', 'backpressure'),
  });
  const reach = new ReachCache(ctx.relationships, ctx.store, () => ctx.clock.now());
  const unsubscribeChanges = options.relationshipChanges?.subscribe((a, b) => reach.invalidate(a, b));
  const router = new SignalRouter(ctx, bus, sender, counters, reach);
  const presence = new Presence(ctx, registry, sender, reach);
  const idleTimeout = options.idleTimeoutSeconds ?? DEFAULT_IDLE_TIMEOUT_S;
  // Clients ping at half the idle timeout to notice a dead server well before the server drops them.
  const heartbeatMs = Math.floor((idleTimeout * 1000) / 2);
  let closing = false;
  let whenEmpty: (() => void) | null = null;

  const flushTimer = setInterval(() => counters.flush(), 1_000);
  flushTimer.unref();
  counters.connections(0);

  function close(conn: Connection, code: number, message: string, reason: string): void {
    const ws = conn.ws;
    if (ws === null || conn.closed || conn.closing) return;
    conn.closing = true;
    counters.serverClose(reason);
    // Frames queued before the close go out before the close frame.
    sender.flush(conn);
    ws.end(code, message);
  }

  const chat = options.chat?.(sender);
  const onMessage = createMessageHandler({
    ctx,
    sender,
    router,
    presence,
    counters,
    close,
    ...(chat === undefined ? {} : { chat }),
  });

  app.ws<SocketData>('/v1/ws', {
    maxPayloadLength: HARD_MAX_PAYLOAD_BYTES,
    maxBackpressure,
    // Typed as a number in these bindings, read as a boolean: close a socket whose send would be dropped.
    closeOnBackpressureLimit: 1,
    idleTimeout,
    sendPingsAutomatically: true,
    upgrade: createUpgradeHandler({
      ctx,
      registry,
      counters,
      isClosing: () => closing,
      createConnection: (data) =>
        createConnection(
          data,
          ctx.config.limits,
          ctx.clock.now(),
          signalPrefix({ user: data.userId, device: data.deviceId }),
        ),
    }),
    open: (ws) => {
      const conn = ws.getUserData().conn;
      conn.ws = ws;
      const previous = registry.add(conn);
      if (previous !== undefined) {
        // Same device again: the newest connection wins; the old one is told why (4001).
        previous.replaced = true;
        previous.unsubscribe?.();
        // On the next turn, like the hello below: the close frame is a write, and a write inside
        // `open` can drop the new socket (1006, the uWS bug described below).
        setImmediate(() => close(previous, CloseCode.replaced, 'replaced by a newer connection', 'replaced'));
      }
      conn.unsubscribe = bus.subscribe(conn.key, (frame) => sender.send(conn, frame));
      counters.connections(registry.size);
      const ttl = conn.expiresAt * 1000 - ctx.clock.now();
      conn.expiryTimer = setTimeout(
        () => close(conn, CloseCode.tokenExpired, 'access token expired', 'expired'),
        Math.max(0, Math.min(ttl, MAX_TIMER_MS)),
      );
      conn.expiryTimer.unref();
      log.debug({ user: conn.userId, device: conn.deviceId, tokenId: conn.tokenId }, 'ws open');
      // Nothing may be written inside `open` here: the upgrade runs in `res.cork` after an await,
      // and a write in that state trips a uWS bug that drops the new socket (1006) about half
      // the time (uNetworking/uWebSockets#1928, uWebSockets.js#1108); without writes it still
      // strikes, rarely, and clients retry it (UPSTREAM.md has the cause). So the connection becomes
      // ready, says hello and goes online on the next turn of the event loop; until then
      // frames addressed to it are refused (a signal gets `peer_offline`).
      setImmediate(() => {
        if (conn.closed) return;
        conn.ready = true;
        sender.send(conn, helloFrame(conn.userId, conn.deviceId, heartbeatMs));
        presence.announce(conn, 'online');
      });
    },
    message: (ws, data, isBinary) => onMessage(ws.getUserData().conn, data, isBinary),
    close: (ws, code) => {
      const conn = ws.getUserData().conn;
      conn.closed = true;
      conn.ws = null;
      if (conn.expiryTimer !== null) clearTimeout(conn.expiryTimer);
      conn.unsubscribe?.();
      const wasCurrent = registry.remove(conn);
      registry.releaseUser(conn.userId);
      registry.releaseIp(conn.ip);
      counters.connections(registry.size);
      log.debug({ user: conn.userId, device: conn.deviceId, code }, 'ws close');
      if (wasCurrent && !conn.replaced && conn.ready) presence.announce(conn, 'offline');
      if (registry.size === 0) whenEmpty?.();
    },
  });

  return {
    connectionCount: () => registry.size,
    async shutdown(timeoutMs) {
      closing = true;
      clearInterval(flushTimer);
      unsubscribeChanges?.();
      for (const conn of registry.all()) {
        const afterMs = Math.floor(Math.random() * (RECONNECT_JITTER_MS + 1));
        sender.send(conn, reconnectFrame(afterMs));
        // Flushes the reconnect frame (and anything queued before it) ahead of the close frame.
        close(conn, CloseCode.goingAway, 'server shutting down', 'shutdown');
      }
      if (registry.size > 0) {
        await new Promise<void>((resolve) => {
          whenEmpty = resolve;
          setTimeout(resolve, timeoutMs).unref();
        });
      }
      // Whoever did not finish the closing handshake in time is cut off.
      for (const conn of registry.all()) conn.ws?.close();
      await presence.settled();
      counters.flush();
    },
  };
}
