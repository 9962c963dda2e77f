// The page the Chromium tests load: it imports the SDK bundle and exposes a few helpers as
// `window.hsTest`, so tests drive real SDK code through page.evaluate.

/** HTML of the test page (module script only; everything else happens through evaluate). */
export const TEST_PAGE_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>hypersend browser test</title></head>
<body><main id="status">loading</main><input type="file" id="pick" multiple aria-label="files to send">
<script type="module">
import * as hs from './hypersend-client.js';
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
window.hs = hs;
window.hsTest = {
  client: undefined,
  offers: [],
  messages: [],
  receipts: [],
  async start({ serverUrl, username, password, register, profile }) {
    const client = hs.createClient({ serverUrl, profile: profile ?? username, deviceName: 'chromium' });
    if (register) await client.register(username, password);
    else await client.login(username, password);
    // Before connecting: relay deliveries stored while offline are offered right after connect.
    client.on('offer', (offer) => this.offers.push(offer));
    await client.connect();
    client.chat.on('message', (m) => this.messages.push({ conversation: m.conversation, seq: m.seq, kind: m.kind, text: m.text, outgoing: m.outgoing }));
    client.chat.on('receipt', (r) => this.receipts.push({ conversation: r.conversation, user: r.user, delivered: r.delivered, read: r.read }));
    this.client = client;
    return { userId: client.me.userId, deviceId: client.device.deviceId, fingerprint: hs.fingerprint({ x25519: client.device.x25519.publicKey, ed25519: client.device.ed25519.publicKey }, client.me.userId) };
  },
  async randomFile(name, size) {
    const parts = [];
    for (let done = 0; done < size; ) {
      const n = Math.min(65536, size - done);
      parts.push(crypto.getRandomValues(new Uint8Array(n)));
      done += n;
    }
    const file = new File(parts, name, { lastModified: Date.now() });
    return { file, sha256: hex(await crypto.subtle.digest('SHA-256', await file.arrayBuffer())) };
  },
  async sha256Of(file) {
    return hex(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
  },
  async until(what, check, timeoutMs) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const found = check(this);
      if (found) return found;
      if (Date.now() > end) throw new Error('timed out waiting for ' + what);
      await new Promise((r) => setTimeout(r, 50));
    }
  },
  async waitOffer(timeoutMs) {
    const end = Date.now() + timeoutMs;
    while (this.offers.length === 0) {
      if (Date.now() > end) throw new Error('no offer within ' + timeoutMs + ' ms');
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.offers.shift();
  },
};
document.getElementById('status').textContent = 'ready';
window.hsReady = true;
</script></body></html>`;
