import {
  type ChatMessageView,
  createClient,
  type HypersendClient,
  MemoryIdentityStore,
  MemoryKeyStore,
} from '@hypersend/client';
import type { HasUrl } from '../helpers/users.ts';
import { eventually, FAST_SIGNALING, type SdkUser } from '../sdk/sdk-fixtures.ts';

/**
 * Another device of an existing SDK user: a second client with its own identity (device keys),
 * logged in with the same account.
 *
 * @example
 * const phone = await secondDevice(server, alice);
 * await phone.connect();
 */
export async function secondDevice(
  server: HasUrl,
  user: Pick<SdkUser, 'username' | 'password'>,
  identityStore = new MemoryIdentityStore(),
): Promise<HypersendClient> {
  const client = createClient({
    serverUrl: server.url,
    identityStore,
    keyStore: new MemoryKeyStore(),
    signaling: FAST_SIGNALING,
  });
  await client.login(user.username, user.password);
  return client;
}

/** Collects a client's chat `message` events. */
export function inbox(client: HypersendClient): ChatMessageView[] {
  const seen: ChatMessageView[] = [];
  client.chat.on('message', (m) => seen.push(m));
  return seen;
}

/** Wait until `list` holds at least `n` entries matching `filter`. */
export async function waitFor<T>(
  list: T[],
  n: number,
  filter: (t: T) => boolean = () => true,
  what = `${n} messages`,
): Promise<T[]> {
  await eventually(() => list.filter(filter).length >= n, 10_000, what);
  return list.filter(filter);
}
