// Headers sent on every answer of the web server, including errors. The app renders what peers send
// (display names, file names, message bodies), so the CSP is the second wall behind textContent:
// no inline script or style, no eval, no plugins, no framing, and connections only to the servers
// the operator configured.
import type { WebConfig } from './config.ts';

/**
 * The Content-Security-Policy for `config`. `'wasm-unsafe-eval'` lets libsodium compile its
 * WebAssembly (it does not allow `eval` of strings); Trusted Types are required so that no code
 * path of the app or its dependencies can assign a string to an HTML sink such as `innerHTML`.
 *
 * @example
 * contentSecurityPolicy(loadWebConfig({})); // "default-src 'none'; script-src 'self' ..."
 */
export function contentSecurityPolicy(config: Pick<WebConfig, 'signalingUrl' | 'relayUrl'>): string {
  const connect = new Set<string>(["'self'"]);
  for (const origin of [config.signalingUrl, config.relayUrl]) {
    if (origin === null) continue; // no relay configured
    connect.add(origin);
    connect.add(origin.replace(/^http/, 'ws'));
  }
  return [
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "img-src 'self' blob: data:",
    "font-src 'self'",
    `connect-src ${[...connect].join(' ')}`,
    "worker-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "require-trusted-types-for 'script'",
    'trusted-types none',
  ].join('; ');
}

/**
 * Every security header of the web server, by name. `Cache-Control` is set per route.
 *
 * @example
 * for (const [name, value] of Object.entries(securityHeaders(config))) res.setHeader(name, value);
 */
export function securityHeaders(
  config: Pick<WebConfig, 'signalingUrl' | 'relayUrl'>,
): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(config),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  };
}
