import {
  MAX_CHAT_CIPHERTEXT_BYTES,
  MAX_CHAT_ENVELOPES,
  MAX_CONVERSATIONS_PER_USER,
  MAX_GROUP_MEMBERS,
} from '@hypersend/protocol';
import { TokenBucket } from '../ws/token-bucket.ts';

/** Server-side chat limits; the defaults are the protocol's documented values. */
export interface ChatLimits {
  maxGroupMembers: number;
  maxConversationsPerUser: number;
  maxEnvelopes: number;
  /** Longest `box` (base64url characters) of one envelope. */
  maxBoxChars: number;
  /** Messages per user: sustained rate and burst (all devices together). */
  sendsPerSecond: number;
  sendBurst: number;
  /** Messages one `chat.sync` replays per conversation; older ones stay in history. */
  maxSyncPerConversation: number;
}

export const DEFAULT_CHAT_LIMITS: ChatLimits = {
  maxGroupMembers: MAX_GROUP_MEMBERS,
  maxConversationsPerUser: MAX_CONVERSATIONS_PER_USER,
  maxEnvelopes: MAX_CHAT_ENVELOPES,
  maxBoxChars: Math.ceil((MAX_CHAT_CIPHERTEXT_BYTES * 4) / 3),
  sendsPerSecond: 5,
  sendBurst: 30,
  maxSyncPerConversation: 10_000,
};

/** Users' buckets kept at most; beyond it the map starts afresh (a full bucket is the default). */
const MAX_TRACKED_USERS = 50_000;

/**
 * Per-user send rate limit (token bucket per user, shared by the user's devices).
 *
 * @example
 * const rate = new SendRate(limits, () => clock.now());
 * if (!rate.take(userId)) throw rateLimited();
 */
export class SendRate {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly limits: Pick<ChatLimits, 'sendsPerSecond' | 'sendBurst'>,
    private readonly now: () => number,
  ) {}

  take(userId: string): boolean {
    let bucket = this.buckets.get(userId);
    if (bucket === undefined) {
      if (this.buckets.size >= MAX_TRACKED_USERS) this.buckets.clear();
      bucket = new TokenBucket(this.limits.sendsPerSecond, this.limits.sendBurst, this.now());
      this.buckets.set(userId, bucket);
    }
    return bucket.take(this.now());
  }
}
