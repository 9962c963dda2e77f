// Where signaling and the relay are: served by the web server as /config.json, so one bundle works
// for every deployment. Validated like any other input from the network.

/** The app's view of `/config.json`. */
export interface RuntimeConfig {
  signalingUrl: string;
  /** The store-and-forward relay (also the one the CSP allows); `null`: none in this deployment. */
  relayUrl: string | null;
}

/**
 * Fetch and check `/config.json` from the page's own origin.
 *
 * @example
 * const { signalingUrl } = await loadRuntimeConfig();
 * @throws Error when the file is missing or malformed (shown with code `bad_config`).
 */
export async function loadRuntimeConfig(fetchFn: typeof fetch = fetch): Promise<RuntimeConfig> {
  const res = await fetchFn('/config.json', { cache: 'no-store' });
  if (!res.ok) throw new AppError('bad_config', `/config.json answered ${res.status}`);
  const body: unknown = await res.json();
  const field = (name: string, nullable = false): string | null => {
    const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : null;
    if (nullable && value === null) return null;
    if (typeof value !== 'string' || !/^https?:\/\//.test(value))
      throw new AppError('bad_config', `/config.json has no valid ${name}`);
    return value;
  };
  return { signalingUrl: field('signalingUrl') as string, relayUrl: field('relayUrl', true) };
}

/** An error of the app itself (not the SDK), with a stable code like the SDK's. */
export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
