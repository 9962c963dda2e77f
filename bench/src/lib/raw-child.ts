/**
 * One raw @roamhq/wrtc peer for the reference benchmark: no simple-peer, no SDK code, just an
 * RTCPeerConnection, one ordered reliable data channel and polling backpressure. This is the
 * ceiling that PeerSession is measured against.
 */
import wrtc from '@roamhq/wrtc';
import { childConfig, fail, onParent, toParent } from './child-ipc.ts';
import { nowMs } from './pair-protocol.ts';

type RawSignal =
  | { type: 'offer' | 'answer'; sdp: string }
  | { type: 'candidate'; candidate: RTCIceCandidateInit };

const cfg = childConfig();
const pc = new wrtc.RTCPeerConnection({ iceServers: [] });
const pendingCandidates: RTCIceCandidateInit[] = [];

pc.onicecandidate = (ev) => {
  if (ev.candidate) toParent({ t: 'signal', data: { type: 'candidate', candidate: ev.candidate.toJSON() } });
};

async function onSignal(sig: RawSignal): Promise<void> {
  if (sig.type === 'candidate') {
    if (pc.remoteDescription) await pc.addIceCandidate(sig.candidate);
    else pendingCandidates.push(sig.candidate);
    return;
  }
  await pc.setRemoteDescription({ type: sig.type, sdp: sig.sdp });
  for (const c of pendingCandidates.splice(0)) await pc.addIceCandidate(c);
  if (sig.type === 'offer') {
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    toParent({ t: 'signal', data: { type: 'answer', sdp: answer.sdp ?? '' } });
  }
}

function sender(): void {
  const dc = pc.createDataChannel('bench', { ordered: true });
  dc.binaryType = 'arraybuffer';
  dc.onopen = () => toParent({ t: 'connected' });
  // libwebrtc closes a channel whose send buffer overflows (16 MiB): say so instead of hanging.
  dc.onclose = () => {
    if (sent < cfg.bytes) fail(new Error(`data channel closed after ${sent} bytes`));
  };
  const chunk = new Uint8Array(cfg.messageBytes);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31) & 0xff;
  let sent = 0;
  let maxBuffered = 0;
  // Fill to the high watermark, then poll (wrtc never fires bufferedamountlow) until the
  // buffer has drained to the low watermark before filling again.
  const pump = (): void => {
    while (sent < cfg.bytes) {
      const buffered = dc.bufferedAmount;
      if (buffered > cfg.highWatermark) {
        const waitLow = (): void => {
          if (dc.bufferedAmount <= cfg.lowWatermark) pump();
          else setTimeout(waitLow, cfg.pollMs);
        };
        setTimeout(waitLow, cfg.pollMs);
        return;
      }
      const n = Math.min(chunk.length, cfg.bytes - sent);
      dc.send(n === chunk.length ? chunk : chunk.subarray(0, n));
      sent += n;
      const after = dc.bufferedAmount;
      if (after > maxBuffered) maxBuffered = after;
    }
    toParent({ t: 'sent', at: nowMs(), maxBuffered });
  };
  onParent((msg) => {
    if (msg.t === 'signal') onSignal(msg.data as RawSignal).catch(fail);
    else if (msg.t === 'start') {
      toParent({ t: 'first-send', at: nowMs() });
      pump();
    }
  });
  pc.createOffer()
    .then(async (offer) => {
      await pc.setLocalDescription(offer);
      toParent({ t: 'signal', data: { type: 'offer', sdp: offer.sdp ?? '' } });
    })
    .catch(fail);
}

function receiver(): void {
  let received = 0;
  let firstAt = 0;
  pc.ondatachannel = (ev) => {
    const dc = ev.channel;
    dc.binaryType = 'arraybuffer';
    const opened = (): void => toParent({ t: 'connected' });
    if (dc.readyState === 'open') opened();
    else dc.onopen = opened;
    dc.onmessage = (m: MessageEvent<ArrayBuffer>) => {
      if (received === 0) firstAt = nowMs();
      received += m.data.byteLength;
      if (received >= cfg.bytes) toParent({ t: 'done', bytes: received, firstAt, lastAt: nowMs() });
    };
  };
  onParent((msg) => {
    if (msg.t === 'signal') onSignal(msg.data as RawSignal).catch(fail);
  });
}

if (cfg.role === 'sender') sender();
else receiver();
