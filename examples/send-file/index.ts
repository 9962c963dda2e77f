// Send one file from one user to another with the SDK: register two users, make them contacts,
// connect both, send, accept, print progress and both hashes. See README.md.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createClient, MemoryIdentityStore, MemoryKeyStore } from '@hypersend/client';

const serverUrl = process.env.HYPERSEND_SERVER ?? 'http://127.0.0.1:8080';
const file = process.argv[2];
if (!file) {
  console.error('usage: node --import tsx examples/send-file/index.ts <file>');
  process.exit(2);
}

// Memory stores: this demo's identities live only as long as the script (the CLI uses files).
const newClient = () =>
  createClient({ serverUrl, identityStore: new MemoryIdentityStore(), keyStore: new MemoryKeyStore() });
const alice = newClient();
const bob = newClient();
const suffix = randomBytes(3).toString('hex');
const password = randomBytes(12).toString('base64url');
await alice.register(`alice_${suffix}`, password);
await bob.register(`bob_${suffix}`, password);

// Contacts: Alice asks, Bob accepts.
await alice.contacts.request(`bob_${suffix}`);
const request = (await bob.contacts.list()).find((c) => c.username === `alice_${suffix}`);
if (!request) throw new Error('contact request did not arrive');
await bob.contacts.accept(request.userId);
await Promise.all([alice.connect(), bob.connect()]);

// Bob sees who sends what before anything is written, then accepts into a fresh folder.
const dir = await mkdtemp(join(tmpdir(), 'hypersend-example-'));
bob.on('offer', (offer) => {
  const list = offer.files.map((f) => `${f.path} (${f.size} B)`).join(', ');
  console.log(`bob: ${offer.sender.username} offers ${list}`);
  offer.accept({ dir });
});

const transfer = alice.send(`bob_${suffix}`, [file]);
transfer.on('progress', (p) => {
  const pct = p.total ? ((100 * p.bytes) / p.total).toFixed(0) : '100';
  console.log(
    `alice: ${pct}% ${p.bytes}/${p.total} B at ${(p.rate / 1e6).toFixed(1)} MB/s via ${p.path ?? '?'}`,
  );
});
try {
  const result = await transfer.result;
  console.log(`alice: done, ${result.bytes} B`);
  const sha = async (p: string) =>
    createHash('sha256')
      .update(await readFile(p))
      .digest('hex');
  console.log(`sent     sha256 ${await sha(file)}`);
  console.log(`received sha256 ${await sha(join(dir, basename(file)))}`);
} catch (err) {
  console.error('transfer failed:', err);
  process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
  alice.close();
  bob.close();
}
// WebRTC handles can outlive the clients for a moment: exit explicitly.
process.exit(process.exitCode ?? 0);
