import { randomBytes } from 'node:crypto';
import type { AccessClaims, Clock } from '../context.ts';

/** Single-use WebSocket tickets, in memory. */
export interface WsTickets {
  issue(claims: AccessClaims): { ticket: string; expiresIn: number };
  consume(ticket: string): AccessClaims | null;
  size(): number;
}

/** Ticket lifetime: long enough to open a socket, short enough that a leaked URL/log line is useless. */
export const WS_TICKET_TTL_SECONDS = 30;

/**
 * Browsers cannot set an Authorization header on a WebSocket, so they trade their access token for a
 * ticket over HTTP and present it once. The map is bounded (oldest dropped first) and expired tickets
 * are purged whenever one is issued.
 *
 * @example
 * const tickets = createWsTickets({ clock });
 * const { ticket } = tickets.issue(claims);
 * tickets.consume(ticket); // claims
 * tickets.consume(ticket); // null: single use
 */
export function createWsTickets(options: { clock: Clock; maxTickets?: number }): WsTickets {
  const { clock } = options;
  const maxTickets = options.maxTickets ?? 10_000;
  const tickets = new Map<string, { claims: AccessClaims; expiresAt: number }>();

  const purge = (now: number) => {
    for (const [t, entry] of tickets) if (entry.expiresAt <= now) tickets.delete(t);
    for (const t of tickets.keys()) {
      if (tickets.size < maxTickets) break;
      tickets.delete(t);
    }
  };

  return {
    issue(claims) {
      const now = clock.now();
      purge(now);
      const ticket = randomBytes(32).toString('base64url');
      // Never outlive the access token it was minted from.
      const expiresAt = Math.min(now + WS_TICKET_TTL_SECONDS * 1000, claims.expiresAt * 1000);
      tickets.set(ticket, { claims, expiresAt });
      return { ticket, expiresIn: Math.max(1, Math.floor((expiresAt - now) / 1000)) };
    },
    consume(ticket) {
      const entry = tickets.get(ticket);
      if (!entry) return null;
      tickets.delete(ticket);
      return entry.expiresAt > clock.now() ? entry.claims : null;
    },
    size: () => tickets.size,
  };
}
