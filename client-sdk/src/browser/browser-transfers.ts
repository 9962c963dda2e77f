// Transfers in browsers: the same engine, offer flow and encryption as Node (transfers/), with
// the browser's RTCPeerConnection under simple-peer and the package.json "browser" map swapping
// the Node-only leaves (file source, sink, crypto backend, resume records) for browser ones.
import type { HypersendClient } from '../hypersend-client.ts';
import type { IncomingTransfer, ReceiveOptions } from '../transfers/incoming.ts';
import type { SendOptions, SendSource } from '../transfers/outgoing.ts';
import type { Transfer } from '../transfers/transfer-handle.ts';
import {
  type NodeTransfersOptions,
  nodeTransfers,
  type TransferServiceFactory,
} from '../transfers/transfer-service.ts';
import type { WebRtcImplementation } from '../webrtc/webrtc-types.ts';
import { goodbyeOnPageHide } from './page-goodbye.ts';

/**
 * Options of {@link browserTransfers}. `relayUrl`: the store-and-forward relay (default: what
 * signaling advertises at `GET /v1/config`; `null`: none) — a page with a CSP passes the relay its
 * `connect-src` allows. No `stateDir`: a sender starts over after a reload; a receiver into OPFS
 * resumes from its IndexedDB progress record (BROWSER.md, "Resume after a reload").
 */
export type BrowserTransfersOptions = Pick<
  NodeTransfersOptions,
  'reconnectTimeoutMs' | 'log' | 'relayUrl' | 'relayAfterMs'
>;

/**
 * The browser's own WebRTC classes, for simple-peer.
 *
 * @throws HypersendError-free: returns `undefined` members only where the page has no WebRTC.
 */
export function browserWebRtc(): WebRtcImplementation {
  return {
    RTCPeerConnection: globalThis.RTCPeerConnection,
    RTCSessionDescription: globalThis.RTCSessionDescription,
    RTCIceCandidate: globalThis.RTCIceCandidate,
  };
}

/**
 * The transfer service for browsers (browser `createClient` passes it by default). No sender
 * resume across page loads: a `File` cannot be re-opened after a reload. Open peer sessions say
 * goodbye when the page goes away (`pagehide`), so the other side stops sending at once.
 *
 * @example
 * const client = new HypersendClient({ ...seams, transfers: browserTransfers() });
 */
export function browserTransfers(o: BrowserTransfersOptions = {}): TransferServiceFactory {
  return nodeTransfers({ ...o, wrtc: browserWebRtc(), onSession: goodbyeOnPageHide() });
}

/**
 * Send picked or dropped files (read in slices, never whole). Folder picks keep their
 * `webkitRelativePath` as the name.
 *
 * @example
 * const t = sendFiles(client, 'bob', [...input.files]);
 * t.on('progress', (p) => bar.update(p.bytes / p.total));
 * await t.result;
 */
export function sendFiles(
  client: HypersendClient,
  to: string,
  files: readonly Blob[],
  options?: Omit<SendOptions, 'resume'>,
): Transfer {
  // The shared engine carries "paths" through to the source; in browsers (package.json "browser"
  // map: blob-files.ts, blob-chunk-source.ts) those are the Blobs themselves.
  return client.send(to, files as unknown as SendSource, { ...options, resume: false });
}

/**
 * Accept an offer into a receive target (`receiveTargets`): a picked folder, OPFS (default),
 * or capped memory.
 *
 * @example
 * client.on('offer', (offer) => acceptInto(offer, 'downloads'));
 */
export function acceptInto(
  offer: IncomingTransfer,
  target: string,
  options: Omit<ReceiveOptions, 'dir'> = {},
): Transfer {
  return offer.accept({ ...options, dir: target });
}
