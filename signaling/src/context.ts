import type { Logger } from 'pino';
import type { SignalingConfig } from './config.ts';
import type { Metrics } from './metrics.ts';
import type { Store } from './store/store.ts';

/**
 * What every part of the signaling server is handed. Built once in `server.ts`;
 * tests build their own with a different store, clock or config.
 */
export interface ServerContext {
  config: SignalingConfig;
  store: Store;
  log: Logger;
  clock: Clock;
  metrics: Metrics;
  tokens: AccessTokenVerifier;
  relationships: Relationships;
}

/** Injected time source so tests can move time without sleeping. Epoch milliseconds. */
export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

/** Verified identity of a caller, from a Hypersend access token or an accepted external token. */
export interface AccessClaims {
  userId: string;
  /** Token id (`jti`), for logs and revocation. */
  tokenId: string;
  /** Expiry, epoch seconds. */
  expiresAt: number;
  /** `hypersend` for our own tokens, `external` for tokens from a configured identity provider. */
  source: 'hypersend' | 'external';
}

/** Verifies bearer tokens and single-use WebSocket tickets. Implemented in `auth/`. */
export interface AccessTokenVerifier {
  /** Rejects with an `AuthError` (code `unauthorized`) for any invalid, expired or foreign token. */
  verifyAccessToken(token: string): Promise<AccessClaims>;
  /** Mint a short-lived single-use ticket for opening `/v1/ws` from a browser. */
  issueWsTicket(claims: AccessClaims): { ticket: string; expiresIn: number };
  /** Consume a ticket; null when unknown, used or expired. */
  consumeWsTicket(ticket: string): AccessClaims | null;
}

/**
 * Who may reach whom. Signaling and presence flow only between users related here
 * (accepted contacts now; members of a shared conversation once chat exists).
 */
export interface Relationships {
  /** May `fromUserId` send signals to `toUserId`? False for unknown users too. */
  canReach(fromUserId: string, toUserId: string): Promise<boolean>;
  /** Users who should see `userId`'s presence changes. */
  audienceOf(userId: string): Promise<string[]>;
}
