import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import {
  decodeStun,
  decodeXorAddress,
  longTermKey,
  type StunAddress,
  StunAttr,
  type StunMessage,
  StunMethod,
  StunRequest,
  verifyIntegrity,
} from './stun-message.ts';

/**
 * A minimal TURN client over UDP (RFC 8656, long-term credentials): Allocate, CreatePermission,
 * Refresh. It exists so tests can see coturn's exact answers (401, 403, 438, ...) instead of a
 * tool's exit status, and so the launcher can tell that coturn is listening. It never sends
 * data to peers: no Send indications, no ChannelBind.
 */

/** What coturn answered: success with the message, or the STUN error code and reason. */
export type TurnAnswer =
  | { ok: true; message: StunMessage }
  | { ok: false; code: number; reason: string; message: StunMessage };

export interface TurnClientOptions {
  host: string;
  port: number;
  /** Give up on one transaction after this long. Default 3000 ms. */
  timeoutMs?: number;
}

export interface AllocateOptions {
  username: string;
  password: string;
  /** Relay address family to ask for (REQUESTED-ADDRESS-FAMILY). Default IPv4. */
  family?: 'IPv4' | 'IPv6';
  /** Requested allocation lifetime, seconds. */
  lifetime?: number;
}

/** The transaction got no answer in time. */
export class TurnTimeoutError extends Error {
  readonly code = 'turn_timeout';
  constructor(method: number, ms: number) {
    super(`no answer to STUN method 0x${method.toString(16)} within ${ms} ms`);
    this.name = 'TurnTimeoutError';
  }
}

interface Auth {
  username: string;
  realm: string;
  nonce: Buffer;
  key: Buffer;
}

/**
 * One UDP TURN client, i.e. one 5-tuple and at most one allocation.
 *
 * @example
 * const client = await TurnClient.open({ host: '127.0.0.1', port });
 * const alloc = await client.allocate({ username, password: credential });
 * if (alloc.ok) console.warn((await client.createPermission('10.0.0.1')).ok); // false: 403
 * await client.close();
 */
export class TurnClient {
  private readonly pending = new Map<string, (buf: Buffer, msg: StunMessage) => void>();
  private auth: Auth | undefined;
  private allocated = false;

  private constructor(
    private readonly socket: Socket,
    private readonly opts: Required<TurnClientOptions>,
  ) {
    socket.on('message', (buf) => {
      const msg = decodeStun(buf);
      if (!msg) return;
      this.pending.get(msg.transactionId.toString('hex'))?.(buf, msg);
    });
  }

  /** Bind a UDP socket of the server's address family. */
  static async open(options: TurnClientOptions): Promise<TurnClient> {
    const socket = createSocket(isIPv6(options.host) ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', () => {}); // ICMP port unreachable etc. surface as timeouts instead.
    return new TurnClient(socket, { timeoutMs: 3000, ...options });
  }

  /** The realm coturn announced in its 401 challenge, once one was seen. */
  get realm(): string | undefined {
    return this.auth?.realm;
  }

  /** Unauthenticated STUN Binding; resolves with the reflexive address. */
  async binding(): Promise<StunAddress> {
    const req = new StunRequest(StunMethod.binding);
    const { msg } = await this.transact(req, undefined);
    const mapped = msg.attrs.get(StunAttr.xorMappedAddress);
    if (msg.cls !== 'success' || !mapped) throw new Error('binding failed');
    return decodeXorAddress(mapped, msg.transactionId);
  }

  /**
   * Allocate with the long-term credential mechanism: an unauthenticated attempt to learn realm
   * and nonce, then the authenticated one (retried once on 438 Stale Nonce).
   */
  async allocate(options: AllocateOptions): Promise<TurnAnswer> {
    const build = () => {
      const req = new StunRequest(StunMethod.allocate).add(
        StunAttr.requestedTransport,
        Buffer.from([17, 0, 0, 0]),
      );
      if (options.family === 'IPv6') req.add(StunAttr.requestedAddressFamily, Buffer.from([2, 0, 0, 0]));
      if (options.lifetime !== undefined) req.add(StunAttr.lifetime, u32(options.lifetime));
      return req;
    };
    const first = await this.transact(build(), undefined);
    if (first.msg.cls === 'success') return { ok: true, message: first.msg };
    const realm = first.msg.attrs.get(StunAttr.realm)?.toString('utf8');
    const nonce = first.msg.attrs.get(StunAttr.nonce);
    if (first.msg.error?.code !== 401 || realm === undefined || !nonce) return failed(first.msg);
    this.auth = {
      username: options.username,
      realm,
      nonce,
      key: longTermKey(options.username, realm, options.password),
    };
    const answer = await this.authenticated(build);
    if (answer.ok) this.allocated = true;
    return answer;
  }

  /** The relayed address of a successful Allocate answer. */
  static relayedAddress(answer: TurnAnswer): StunAddress | undefined {
    const value = answer.message.attrs.get(StunAttr.xorRelayedAddress);
    return value ? decodeXorAddress(value, answer.message.transactionId) : undefined;
  }

  /**
   * Ask for a permission towards `peerIp` (port is irrelevant to permissions). coturn answers
   * 403 when its peer-address policy refuses the address; nothing is sent to the peer either way.
   */
  async createPermission(peerIp: string): Promise<TurnAnswer> {
    return this.authenticated(() =>
      new StunRequest(StunMethod.createPermission).addXorAddress(StunAttr.xorPeerAddress, {
        address: peerIp,
        port: 9,
      }),
    );
  }

  /** Release the allocation (Refresh with lifetime 0) if there is one, then close the socket. */
  async close(): Promise<void> {
    if (this.allocated) {
      this.allocated = false;
      await this.authenticated(() =>
        new StunRequest(StunMethod.refresh).add(StunAttr.lifetime, u32(0)),
      ).catch(() => undefined);
    }
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  private async authenticated(build: () => StunRequest): Promise<TurnAnswer> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const auth = this.auth;
      if (!auth) throw new Error('allocate first: no realm/nonce yet');
      const req = build()
        .addString(StunAttr.username, auth.username)
        .addString(StunAttr.realm, auth.realm)
        .add(StunAttr.nonce, auth.nonce);
      const { buf, msg } = await this.transact(req, auth.key);
      if (msg.cls === 'success') {
        // A success we cannot authenticate is not a success (RFC 8489 §9.2.5).
        if (!verifyIntegrity(buf, auth.key)) throw new Error('response failed MESSAGE-INTEGRITY');
        return { ok: true, message: msg };
      }
      const nonce = msg.attrs.get(StunAttr.nonce);
      if (msg.error?.code === 438 && nonce && attempt === 0) {
        auth.nonce = nonce;
        continue;
      }
      return failed(msg);
    }
    throw new Error('unreachable');
  }

  private transact(req: StunRequest, key: Buffer | undefined): Promise<{ buf: Buffer; msg: StunMessage }> {
    const id = req.transactionId.toString('hex');
    const datagram = req.encode(key);
    return new Promise((resolve, reject) => {
      // UDP may drop even on loopback under load: retransmit, as RFC 8489 §6.2.1 asks.
      const send = () => this.socket.send(datagram, this.opts.port, this.opts.host);
      const resend = setInterval(send, 250);
      const timer = setTimeout(() => {
        done();
        reject(new TurnTimeoutError(req.method, this.opts.timeoutMs));
      }, this.opts.timeoutMs);
      resend.unref();
      timer.unref();
      const done = () => {
        clearInterval(resend);
        clearTimeout(timer);
        this.pending.delete(id);
      };
      this.pending.set(id, (buf, msg) => {
        done();
        resolve({ buf, msg });
      });
      send();
    });
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}

function failed(msg: StunMessage): TurnAnswer {
  return { ok: false, code: msg.error?.code ?? 0, reason: msg.error?.reason ?? msg.cls, message: msg };
}
