// Seams shared by the connection layer: time and logging. Browser-safe (no Node imports).

/** Opaque timer handle: a number in browsers, a `Timeout` object in Node. */
export type TimerHandle = unknown;

/**
 * Wall clock and timers, injectable so tests can control refresh and backoff schedules.
 *
 * @example
 * const clock: Clock = { now: () => t, setTimeout: (fn, ms) => fake.add(fn, ms), clearTimeout: (h) => fake.remove(h) };
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/**
 * The real clock. Timers are `unref()`ed where the runtime supports it: a pending token refresh or
 * reconnect must never keep a Node process alive after the app is done (STYLE.md §15).
 *
 * @example
 * const t = systemClock.setTimeout(() => refresh(), 1_000);
 * systemClock.clearTimeout(t);
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const handle: unknown = globalThis.setTimeout(fn, Math.max(0, ms));
    if (typeof handle === 'object' && handle !== null && 'unref' in handle) {
      (handle as { unref(): void }).unref();
    }
    return handle;
  },
  clearTimeout(handle) {
    globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>);
  },
};

/** One log method, pino-compatible: a bindings object, then an optional message. */
export type LogFn = (obj: Record<string, unknown>, msg?: string) => void;

/**
 * The logger the SDK writes to: a subset of pino's interface, so a pino logger (or a child of
 * one) can be passed as is. Tokens, keys and passwords are never logged.
 *
 * @example
 * createClient({ serverUrl, log: pino().child({ component: 'hypersend' }) });
 */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child?(bindings: Record<string, unknown>): Logger;
}

/**
 * A logger that drops everything: the default, since libraries must not write to the console.
 *
 * @example
 * const log = options.log ?? silentLogger;
 */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * A namespaced child of `log` (`{ component }`), or `log` itself when it cannot make children.
 *
 * @example
 * const log = childLogger(options.log, 'signaling');
 */
export function childLogger(log: Logger | undefined, component: string): Logger {
  if (log === undefined) return silentLogger;
  return log.child ? log.child({ component }) : log;
}
