// The two ways the chat delivery benchmark drives its sender → recipient pairs: real SDK clients
// on both ends, or the raw chat frames of protocol/PROTOCOL.md on plain `ws` sockets.
import { randomBytes } from 'node:crypto';
import {
  type ChatMessageView,
  createClient,
  type HypersendClient,
  MemoryIdentityStore,
  MemoryKeyStore,
} from '@hypersend/client';
import { WS_BEARER_PREFIX, WS_SUBPROTOCOL } from '@hypersend/protocol';
import WebSocket from 'ws';

/** A registered, logged-in SDK client; requests get a generous timeout for the loaded machine. */
async function newUser(url: string, prefix: string): Promise<{ client: HypersendClient; username: string }> {
  const client = createClient({
    serverUrl: url,
    identityStore: new MemoryIdentityStore(),
    keyStore: new MemoryKeyStore(),
    signaling: { backoff: { baseMs: 50, capMs: 500 }, requestTimeoutMs: 30_000 },
  });
  const username = `${prefix}${randomBytes(5).toString('hex')}`;
  await client.register(username, `pw-${randomBytes(12).toString('base64url')}`);
  return { client, username };
}

/** A sender and a recipient who are contacts, with their direct conversation. */
export interface Pair {
  sender: HypersendClient;
  recipient: HypersendClient;
  conversation: string;
}

/** Register two users, make them contacts, connect both and open their direct conversation. */
export async function makePair(url: string, index: number): Promise<Pair> {
  const [a, b] = await Promise.all([newUser(url, `cs${index}`), newUser(url, `cr${index}`)]);
  await a.client.contacts.request(b.username);
  const incoming = (await b.client.contacts.list()).find((c) => c.username === a.username);
  if (!incoming) throw new Error(`pair ${index}: contact request did not arrive`);
  await b.client.contacts.accept(incoming.userId);
  await Promise.all([a.client.connect(), b.client.connect()]);
  const conv = await a.client.chat.create([b.client.me!.userId]);
  return { sender: a.client, recipient: b.client, conversation: conv.id };
}

/** How one phase drives its pairs: a send per message, deliveries reported by key. */
export interface Driver {
  /** Send message `key` on pair `p`; resolves when the server acknowledged it (`chat.sent`). */
  send(p: number, key: string): Promise<void>;
  /** Calls `delivered(key)` for every message a recipient receives. */
  onDelivered(delivered: (key: string) => void): void;
  close(): void;
}

/** The SDK on both ends: `chat.send` seals per device, the recipient opens and verifies. */
export function sdkDriver(pairs: Pair[]): Driver {
  return {
    send: async (p, key) => {
      const pair = pairs[p]!;
      await pair.sender.chat.send(pair.conversation, key);
    },
    onDelivered(delivered) {
      for (const pair of pairs)
        pair.recipient.chat.on('message', (m: ChatMessageView) => {
          if (!m.outgoing && m.kind === 'text' && m.conversation === pair.conversation && m.text)
            delivered(m.text);
        });
    },
    close() {
      for (const pair of pairs) {
        pair.sender.close();
        pair.recipient.close();
      }
    },
  };
}

/** One raw WebSocket as a device: `hello` awaited, subscribed with `chat.sync`. */
async function rawDevice(
  wsUrl: string,
  client: HypersendClient,
  onFrame: (frame: { type: string; [k: string]: unknown }) => void,
): Promise<WebSocket> {
  const token = await client.session.token();
  const ws = new WebSocket(`${wsUrl}?device=${encodeURIComponent(client.device!.deviceId)}`, [
    WS_SUBPROTOCOL,
    `${WS_BEARER_PREFIX}${token}`,
  ]);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('raw client: no hello/chat.synced in 30 s')), 30_000);
    ws.on('error', reject);
    ws.on('close', (code) => reject(new Error(`raw client: closed ${code} before chat.synced`)));
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string; [k: string]: unknown };
      if (frame.type === 'hello') ws.send(JSON.stringify({ type: 'chat.sync', id: 'sync' }));
      else if (frame.type === 'chat.synced') {
        clearTimeout(timer);
        resolve();
      }
      onFrame(frame);
    });
  });
  return ws;
}

/**
 * The chat frames of protocol/PROTOCOL.md on plain `ws` sockets, for the same devices the SDK
 * registered: envelopes of the SDK's size with random bytes (the server never looks inside), and
 * no sealing or opening, so the phase shows what the server delivers when the clients cost little.
 */
export async function rawDriver(pairs: Pair[], wsUrl: string): Promise<Driver> {
  let delivered: (key: string) => void = () => {};
  const pending = new Map<string, { resolve(): void; reject(err: Error): void }>();
  const senders: WebSocket[] = [];
  const recipients: WebSocket[] = [];
  const b64 = (n: number) => randomBytes(n).toString('base64url');
  for (const pair of pairs) {
    // The SDK sockets go first: the raw ones take over the same devices.
    pair.sender.close();
    pair.recipient.close();
    senders.push(
      await rawDevice(wsUrl, pair.sender, (f) => {
        const ref = typeof f.ref === 'string' ? f.ref : undefined;
        const waiter = ref === undefined ? undefined : pending.get(ref);
        if (waiter === undefined) return;
        pending.delete(ref!);
        if (f.type === 'chat.sent') waiter.resolve();
        else waiter.reject(new Error(`raw send: ${JSON.stringify(f)}`));
      }),
    );
    recipients.push(
      await rawDevice(wsUrl, pair.recipient, (f) => {
        const m = f.message as { messageId?: string } | undefined;
        if (f.type === 'chat.message' && m?.messageId) delivered(m.messageId);
      }),
    );
  }
  // ~ what the SDK seals for a short text: the JSON body with its context plus the 16-byte MAC.
  const BOX_BYTES = 180;
  return {
    send: (p, key) => {
      const pair = pairs[p]!;
      const to = (c: HypersendClient) => ({
        user: c.me!.userId,
        device: c.device!.deviceId,
        nonce: b64(24),
        box: b64(BOX_BYTES),
      });
      const frame = {
        type: 'chat.send',
        id: key,
        conversation: pair.conversation,
        messageId: key,
        kind: 'text',
        envelopes: [to(pair.recipient), to(pair.sender)],
      };
      return new Promise<void>((resolve, reject) => {
        pending.set(key, { resolve, reject });
        senders[p]!.send(JSON.stringify(frame));
      });
    },
    onDelivered(d) {
      delivered = d;
    },
    close() {
      for (const ws of [...senders, ...recipients]) ws.terminate();
      for (const w of pending.values()) w.reject(new Error('closed'));
    },
  };
}
