import { randomBytes } from 'node:crypto';
import {
  type CreateClientOptions,
  createClient,
  type HypersendClient,
  MemoryIdentityStore,
  MemoryKeyStore,
} from '@hypersend/client';
import { type HasUrl, randomUsername } from '../helpers/users.ts';

/** A client with in-memory stores plus the credentials it registered with. */
export interface SdkUser {
  client: HypersendClient;
  username: string;
  password: string;
  identityStore: MemoryIdentityStore;
  keyStore: MemoryKeyStore;
}

/** Fast reconnects for tests: the defaults (500 ms base, 30 s cap) would make suites slow. */
export const FAST_SIGNALING = { backoff: { baseMs: 50, capMs: 500 }, requestTimeoutMs: 5_000 } as const;

/**
 * Make a client with memory stores (unless given) and register + log in a fresh user.
 *
 * @example
 * const alice = await sdkUser(server);
 * await alice.client.connect();
 */
export async function sdkUser(
  server: HasUrl,
  options: Partial<CreateClientOptions> & { prefix?: string } = {},
): Promise<SdkUser> {
  const identityStore = new MemoryIdentityStore();
  const keyStore = new MemoryKeyStore();
  const { prefix, ...rest } = options;
  const client = createClient({
    serverUrl: server.url,
    identityStore,
    keyStore,
    signaling: FAST_SIGNALING,
    ...rest,
  });
  const username = randomUsername(prefix ?? 'sdk');
  const password = `pw-${randomBytes(12).toString('base64url')}`;
  await client.register(username, password);
  return { client, username, password, identityStore, keyStore };
}

/**
 * Make `a` and `b` contacts through the SDK (request + accept).
 *
 * @example
 * await befriend(alice, bob);
 */
export async function befriend(a: SdkUser, b: SdkUser): Promise<void> {
  await a.client.contacts.request(b.username);
  const incoming = (await b.client.contacts.list()).find((c) => c.username === a.username);
  if (!incoming) throw new Error('contact request did not arrive');
  await b.client.contacts.accept(incoming.userId);
}

/** Resolve when `check()` is true, polling; fail after `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
