/** Outcome of counting one attempt. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Counts attempts per key in a fixed window. Bounded memory: old windows are purged. */
export interface RateLimiter {
  /** Count one attempt for `key` and say whether it is within the limit. */
  hit(key: string): RateDecision;
  /** Forget `key` (e.g. after a successful login the account's failure count starts over). */
  reset(key: string): void;
  /** Number of keys tracked (for tests). */
  size(): number;
}

/**
 * A fixed-window counter: at most `limit` hits per key per `windowMs`. The map is capped at
 * `maxKeys`; when full, expired windows are dropped first and then the oldest keys, so a flood of
 * distinct keys (random usernames, spoofed IPs) cannot exhaust memory.
 *
 * @example
 * const perIp = createRateLimiter({ limit: 100, windowMs: 15 * 60_000, now: () => clock.now() });
 * const d = perIp.hit(ip); if (!d.allowed) throw HttpError.rateLimited(d.retryAfterSeconds, 'ip');
 */
export function createRateLimiter(options: {
  limit: number;
  windowMs: number;
  now: () => number;
  maxKeys?: number;
}): RateLimiter {
  const { limit, windowMs, now } = options;
  const maxKeys = options.maxKeys ?? 100_000;
  const windows = new Map<string, { start: number; count: number }>();

  const purge = (t: number) => {
    for (const [key, w] of windows) if (t - w.start >= windowMs) windows.delete(key);
    // Map iteration is insertion order: the first keys are the oldest windows.
    for (const key of windows.keys()) {
      if (windows.size < maxKeys) break;
      windows.delete(key);
    }
  };

  return {
    hit(key) {
      const t = now();
      let w = windows.get(key);
      if (!w || t - w.start >= windowMs) {
        if (w) windows.delete(key);
        if (windows.size >= maxKeys) purge(t);
        w = { start: t, count: 0 };
        windows.set(key, w);
      }
      w.count += 1;
      if (w.count <= limit) return { allowed: true };
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((w.start + windowMs - t) / 1000)) };
    },
    reset(key) {
      windows.delete(key);
    },
    size: () => windows.size,
  };
}
