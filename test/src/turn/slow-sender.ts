// Child process of turn-credential-lifetime.test.ts: a logged-in CLI profile sends a stream
// produced at a fixed rate (so the transfer outlives a 60 s TURN credential) with turn-only ICE.
// Prints JSON lines: `connected` and `progress` (path), and `done` with the SHA-256 of what it sent.
import { createHash } from 'node:crypto';
import { CliContext } from '../../../client-sdk/src/cli/cli-context.ts';

const to = process.env.SLOW_TO ?? '';
const bytesPerSecond = Number(process.env.SLOW_RATE ?? 200_000);
const seconds = Number(process.env.SLOW_SECONDS ?? 90);
const server = process.env.HYPERSEND_SERVER ?? '';
const out = (e: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(e)}\n`);

const hash = createHash('sha256');
async function* paced(): AsyncGenerator<Uint8Array> {
  const piece = 16 * 1024;
  const total = bytesPerSecond * seconds;
  const start = Date.now();
  for (let sent = 0, i = 0; sent < total; i++) {
    const n = Math.min(piece, total - sent);
    const buf = new Uint8Array(n).map((_, j) => (i * 131 + j * 7) & 0xff);
    hash.update(buf);
    sent += n;
    yield buf;
    const due = start + (sent / bytesPerSecond) * 1000;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
  }
}

const cli = new CliContext({ server, profile: 'default', json: true });
const client = await cli.loggedInClient();
await client.connect();
const t = client.send(to, { stream: paced(), name: 'slow.bin' }, { turnOnly: true });
t.on('connected', (e) => out({ event: 'connected', path: e.path ?? null, at: Date.now() }));
let last = 0;
t.on('progress', (p) => {
  if (Date.now() - last < 5000) return;
  last = Date.now();
  out({ event: 'progress', bytes: p.bytes, path: p.path ?? null });
});
try {
  const r = await t.result;
  out({ event: 'done', bytes: r.bytes, sha256: hash.digest('hex') });
  process.exit(0);
} catch (err) {
  out({ event: 'error', message: String(err) });
  process.exit(1);
}
