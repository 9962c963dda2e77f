/**
 * Child-process fixture: one HypersendClient (memory stores, real signaling, real @roamhq/wrtc)
 * driven over IPC by a test. Its WebRTC implementation records every RTCPeerConnection, so the
 * test can destroy the live connection (`drop`) without killing the process — the SDK on both
 * ends must then negotiate a new one through signaling and resume.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { nodeTransfers, type Transfer } from '@hypersend/client';
import wrtc from '@roamhq/wrtc';
import { CLOSE_GRACE_MS } from '../../../client-sdk/src/webrtc/peer-session.ts';
import { BYE, sessionMessageKind } from '../../../client-sdk/src/webrtc/session-messages.ts';
import { sdkUser } from '../sdk/sdk-fixtures.ts';

/** Commands from the test. */
export type ToSdkPeer =
  | { t: 'befriend-request'; username: string }
  | { t: 'befriend-accept'; username: string }
  | { t: 'receive'; dir: string }
  | { t: 'send'; to: string; path: string }
  | { t: 'drop' };

/** Reports to the test. */
export type FromSdkPeer =
  | { t: 'ready'; username: string }
  | { t: 'ok'; cmd: ToSdkPeer['t'] }
  | { t: 'connected'; path: string | null }
  | { t: 'progress'; bytes: number }
  | { t: 'dropped'; count: number }
  | {
      t: 'done';
      bytes: number;
      resentChunks: number;
      connections: number;
      /** Plaintext bytes per chunk (negotiated from both ends' data-channel limits). */
      chunkSize: number | null;
      sha256?: string;
    }
  | { t: 'error'; code: string; message: string; by?: string };

const [serverUrl = '', stateDir = ''] = process.argv.slice(2);
const post = (msg: FromSdkPeer): void => {
  if (process.send && process.connected) process.send(msg);
};
process.on('disconnect', () => process.exit(0));

/** Every connection the SDK made, with its file channel once created. */
const live = new Map<RTCPeerConnection, RTCDataChannel | undefined>();
class RecordedPeerConnection extends wrtc.RTCPeerConnection {
  constructor(config?: RTCConfiguration) {
    super(config);
    live.set(this, undefined);
  }
  override createDataChannel(label: string, init?: RTCDataChannelInit): RTCDataChannel {
    const channel = super.createDataChannel(label, init);
    if (init?.negotiated) live.set(this, channel);
    return channel;
  }
}

/**
 * `drop` ends a connection the way PeerSession closes one: BYE, then close once the peer has
 * answered (BYE_ACK: it has stopped sending) or closed, or after CLOSE_GRACE_MS. A connection closed
 * under a peer that is still sending can crash that peer inside @roamhq/wrtc (see
 * `PeerSession.close`). This process's own SDK is not told; closing from its own thread is safe
 * for it.
 */
async function dropConnection(pc: RTCPeerConnection, channel: RTCDataChannel | undefined): Promise<void> {
  if (channel?.readyState === 'open') {
    const answered = new Promise<void>((resolve) => {
      channel.addEventListener('message', (ev: MessageEvent<unknown>) => {
        if (ev.data instanceof ArrayBuffer && sessionMessageKind(ev.data) === 'bye-ack') resolve();
      });
      channel.addEventListener('close', () => resolve());
      setTimeout(resolve, CLOSE_GRACE_MS);
    });
    channel.send(BYE);
    await answered;
  }
  pc.close();
}

const user = await sdkUser(
  { url: serverUrl },
  {
    prefix: 'conn',
    transfers: nodeTransfers({
      stateDir,
      wrtc: {
        RTCPeerConnection: RecordedPeerConnection as unknown as typeof RTCPeerConnection,
        RTCSessionDescription: wrtc.RTCSessionDescription,
        RTCIceCandidate: wrtc.RTCIceCandidate,
      },
    }),
  },
);
const client = user.client;
await client.connect();

function follow(t: Transfer, file: (() => string) | undefined): void {
  t.on('connected', (e) => post({ t: 'connected', path: e.path ?? null }));
  t.on('progress', (p) => post({ t: 'progress', bytes: p.bytes }));
  t.result.then(
    async (r) =>
      post({
        t: 'done',
        bytes: r.bytes,
        resentChunks: r.resentChunks,
        connections: r.connections,
        chunkSize: t.chunkSize ?? null,
        ...(file ? { sha256: await sha256(file()) } : {}),
      }),
    (e: unknown) => {
      const err = e as { code?: string; message?: string; details?: { side?: unknown } };
      post({
        t: 'error',
        code: String(err.code),
        message: String(err.message),
        ...(err.details?.side === undefined ? {} : { by: String(err.details.side) }),
      });
    },
  );
}

process.on('message', (raw) => {
  const cmd = raw as ToSdkPeer;
  void (async () => {
    switch (cmd.t) {
      case 'befriend-request':
        await client.contacts.request(cmd.username);
        break;
      case 'befriend-accept': {
        const c = (await client.contacts.list()).find((x) => x.username === cmd.username);
        if (!c) throw new Error(`no contact request from ${cmd.username}`);
        await client.contacts.accept(c.userId);
        break;
      }
      case 'receive':
        client.on('offer', (offer) => {
          const name = offer.files[0]?.path ?? 'unknown';
          follow(offer.accept({ dir: cmd.dir }), () => join(cmd.dir, name));
        });
        break;
      case 'send':
        follow(client.send(cmd.to, [cmd.path]), undefined);
        break;
      case 'drop': {
        // Destroy the RTCPeerConnection under the SDK without telling the SDK: its channel
        // closes under it mid-transfer, and its peer is told the connection is over.
        const open = [...live].filter(([pc]) => pc.connectionState !== 'closed');
        live.clear();
        await Promise.all(open.map(([pc, channel]) => dropConnection(pc, channel)));
        post({ t: 'dropped', count: open.length });
        return;
      }
    }
    post({ t: 'ok', cmd: cmd.t });
  })().catch((e: unknown) =>
    post({ t: 'error', code: 'fixture', message: e instanceof Error ? e.message : String(e) }),
  );
});
post({ t: 'ready', username: user.username });

function sha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}
