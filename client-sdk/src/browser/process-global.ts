// Injected into the browser bundle (scripts/bundle-browser.ts) for simple-peer's stream
// dependency (readable-stream 3), which calls `process.nextTick` and reads `process.env`. Not a
// Node module polyfill: just the two members it touches, on microtasks.
type Tick = (fn: (...args: unknown[]) => void, ...args: unknown[]) => void;

const nextTick: Tick = (fn, ...args) => queueMicrotask(() => fn(...args));

/** What readable-stream and debug read from `process` in a browser. */
export const process = { browser: true, env: {} as Record<string, string | undefined>, nextTick };
