// The web server's environment, validated once at start-up. The docker-compose stack sets exactly
// these names, so they are part of the deployment contract: rename none of them.

/** Every variable the web server reads, with what it expects (printed on a configuration error). */
export const WEB_ENV = {
  WEB_PORT: 'TCP port to listen on, 0-65535 (default 8070; 0 picks a free port)',
  WEB_HOST: 'address to listen on (default 127.0.0.1)',
  WEB_SIGNALING_URL:
    'http(s) base URL of the signaling server as browsers reach it (default http://127.0.0.1:8080)',
  WEB_RELAY_URL:
    'http(s) base URL of the store-and-forward relay as browsers reach it, the one signaling advertises (default http://127.0.0.1:8090); none: no relay',
} as const;

export type WebEnvName = keyof typeof WEB_ENV;

/** The validated configuration of {@link createWebServer}. */
export interface WebConfig {
  host: string;
  port: number;
  /** Origin-only URL (no path, no trailing slash) of signaling, e.g. `https://send.example.com`. */
  signalingUrl: string;
  /**
   * Origin-only URL of the relay, the same relay signaling advertises (`HYPERSEND_RELAY_URL`): the
   * app hands it to the SDK and the CSP allows it. `null` (`WEB_RELAY_URL=none`): no relay.
   */
  relayUrl: string | null;
}

/** A variable has a value the server cannot use; `variable` names it. */
export class WebConfigError extends Error {
  readonly code = 'bad_config';
  constructor(
    readonly variable: WebEnvName,
    message: string,
  ) {
    super(`${variable}: ${message} (expected: ${WEB_ENV[variable]})`);
    this.name = 'WebConfigError';
  }
}

/**
 * Read and validate the web server's variables.
 *
 * @example
 * const config = loadWebConfig(process.env); // { host: '127.0.0.1', port: 8070, ... }
 * @throws WebConfigError naming the first bad variable.
 */
export function loadWebConfig(env: Partial<Record<string, string | undefined>>): WebConfig {
  return {
    host: nonEmpty(env, 'WEB_HOST', '127.0.0.1'),
    port: port(env.WEB_PORT),
    signalingUrl: httpOrigin(env, 'WEB_SIGNALING_URL', 'http://127.0.0.1:8080'),
    relayUrl:
      env.WEB_RELAY_URL?.trim().toLowerCase() === 'none'
        ? null
        : httpOrigin(env, 'WEB_RELAY_URL', 'http://127.0.0.1:8090'),
  };
}

function nonEmpty(
  env: Partial<Record<string, string | undefined>>,
  name: WebEnvName,
  fallback: string,
): string {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? fallback : value;
}

function port(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 8070;
  if (!/^\d{1,5}$/.test(raw.trim())) throw new WebConfigError('WEB_PORT', `not a port number: ${raw}`);
  const value = Number(raw);
  if (value > 65535) throw new WebConfigError('WEB_PORT', `out of range: ${raw}`);
  return value;
}

// Only the origin is kept: the app calls `/v1/...` on it, and the CSP's connect-src lists origins.
function httpOrigin(
  env: Partial<Record<string, string | undefined>>,
  name: WebEnvName,
  fallback: string,
): string {
  const raw = nonEmpty(env, name, fallback);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebConfigError(name, `not a URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new WebConfigError(name, `must be http or https, got ${url.protocol}`);
  if (url.username !== '' || url.password !== '')
    throw new WebConfigError(name, 'must not carry credentials');
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '')
    throw new WebConfigError(name, `must be an origin without path or query: ${raw}`);
  return url.origin;
}
