// The plaintext scan with MongoDB metadata: signaling (users, devices, relay notices) and the
// relay (object records) on a real MongoDB wire protocol server (FerretDB), an offline delivery
// through the real CLI, then every document of every collection and every byte of the relay's
// disk is searched for a marker from the file's content and for the file's name: neither appears.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { killAll } from '../cli/cli-harness.ts';
import { useMongoTestDb } from '../fixtures/mongo-test-db.ts';
import { filesContaining, jsonEvents, type RelayLab, startRelayLab } from './relay-lab.ts';

const mongo = useMongoTestDb('hypersend_relay_scan');
let lab: RelayLab;

beforeAll(async () => {
  lab = await startRelayLab({ mongo: { uri: mongo.uri(), db: mongo.db } });
}, 120_000);
afterAll(async () => {
  killAll();
  await lab?.close();
});

/** Every document of every collection, as canonical extended JSON text. */
async function dumpDatabase(): Promise<{ collections: string[]; text: string }> {
  const client = new MongoClient(mongo.uri());
  try {
    const db = client.db(mongo.db);
    const collections = (await db.listCollections().toArray()).map((c) => c.name).sort();
    let text = '';
    for (const name of collections) {
      for (const doc of await db.collection(name).find().toArray()) text += `${JSON.stringify(doc)}\n`;
    }
    return { collections, text };
  } finally {
    await client.close();
  }
}

it('keeps no plaintext byte and no file name in the MongoDB collections or on the relay’s disk', async () => {
  const { alice, bob } = lab;
  const marker = `MONGO-SCAN-MARKER-${randomBytes(6).toString('hex')}`;
  const name = `quarterly-secrets-${randomBytes(4).toString('hex')}.txt`;
  const file = join(alice.home, name);
  await writeFile(file, `${marker}\n`.repeat(20_000));

  const tx = await alice.run(['--json', 'send', file, '--to', bob.username], { timeoutMs: 60_000 });
  expect(tx.code, tx.stderr).toBe(0);
  expect(jsonEvents(tx.stdout)).toContainEqual(
    expect.objectContaining({ event: 'connected', path: 'relay' }),
  );

  const { collections, text } = await dumpDatabase();
  // The scan looked where the metadata is: the notice and the relay object record are there.
  expect(collections).toEqual(expect.arrayContaining(['relayNotices', 'relayObjects']));
  expect(text).toContain('"objectId"');
  for (const needle of [marker, name, name.replace('.txt', ''), Buffer.from(marker).toString('base64')])
    expect(text.includes(needle), needle).toBe(false);
  expect(await filesContaining(lab.relayDataDir, [Buffer.from(marker), Buffer.from(name)])).toEqual([]);

  const dir = await mkdtemp(join(bob.home, 'in-'));
  const rx = await bob.run(['--json', 'receive', '--yes', '--dir', dir], { timeoutMs: 60_000 });
  expect(rx.code, rx.stderr).toBe(0);
  const sha = async (p: string) =>
    createHash('sha256')
      .update(await readFile(p))
      .digest('hex');
  expect(await sha(join(dir, name))).toBe(await sha(file));
}, 90_000);
