import uWS from 'uWebSockets.js';

/** Which uWebSockets.js implementation was loaded. */
export interface UwsBinding {
  native: boolean;
  /** Human-readable: `native uWebSockets.js binding` or why the `ws` fallback runs. */
  description: string;
}

/**
 * The uWS package silently falls back to a `ws`-based JavaScript shim when its native binary does
 * not load (or when UWS_USE_FALLBACK is set). The shim works but is much slower and differs in
 * corner cases, so start-up says which one runs and production refuses the fallback.
 * A native addon's functions stringify as `[native code]`; the shim's are JavaScript source.
 *
 * @example
 * const binding = detectUwsBinding();
 * if (!binding.native && config.mode === 'production') throw new Error(binding.description);
 */
export function detectUwsBinding(env: Record<string, string | undefined> = process.env): UwsBinding {
  const native = Function.prototype.toString.call(uWS.App).includes('[native code]');
  if (native) return { native, description: 'native uWebSockets.js binding' };
  const forced = /^(true|1)$/i.test(env.UWS_USE_FALLBACK ?? '');
  return {
    native,
    description: forced
      ? 'ws-based uWebSockets.js fallback (UWS_USE_FALLBACK is set)'
      : 'ws-based uWebSockets.js fallback (the native binding failed to load for this Node.js/platform)',
  };
}
