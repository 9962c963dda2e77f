// In-process engine tests over the memory channel pair: round trips, streams, progress,
// cancel/decline, overwrite, path-safety and seal refusals. Tampering, resume and channel limits
// are in engine-*.test.ts beside this file.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../crypto/manifest.ts';
import { createStream } from '../crypto/stream.ts';
import {
  backend,
  dst,
  ids,
  SMALL_CHUNK,
  sendFile,
  settle,
  src,
  start,
  useEngineHarness,
} from './engine-harness.ts';
import { IncomingOffer } from './incoming-offer.ts';
import { newTransferId, sealOffer } from './offer.ts';
import { TransferSender } from './sender.ts';
import { sha256File } from './test-support.ts';

useEngineHarness();

describe('TransferSender → TransferReceiver in process', () => {
  it.each([0, 1, 64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1, 3 * 1024 * 1024 + 17])(
    'sends %i bytes byte-identical',
    async (size) => {
      await sendFile(size);
    },
  );

  it('sends a folder tree (nested, empty file) with its relative paths', async () => {
    const root = join(src, 'tree');
    await mkdir(join(root, 'a', 'b'), { recursive: true });
    await writeFile(join(root, 'empty'), '');
    await writeFile(join(root, 'a', 'x.bin'), randomBytes(3 * SMALL_CHUNK + 5));
    await writeFile(join(root, 'a', 'b', 'y.txt'), 'hello');
    const { tx, rx, offer } = await start({ kind: 'files', paths: root }, { chunkSize: SMALL_CHUNK });
    expect(offer.files.map((f) => f.path)).toEqual(['tree/a/b/y.txt', 'tree/a/x.bin', 'tree/empty']);
    await Promise.all([tx.result, rx.result]);
    for (const p of ['a/x.bin', 'a/b/y.txt', 'empty'])
      expect(await sha256File(join(dst, 'tree', p))).toBe(await sha256File(join(root, p)));
  });

  it('sends a stream of unknown length', async () => {
    const parts = [randomBytes(1000), randomBytes(70_000), randomBytes(5)];
    const { tx, rx, offer } = await start(
      { kind: 'stream', stream: Readable.from(parts), name: 'out.log' },
      { chunkSize: SMALL_CHUNK },
    );
    expect(offer.files).toEqual([{ path: 'out.log', size: undefined }]);
    const [, got] = await Promise.all([tx.result, rx.result]);
    expect(got.bytes).toBe(71_005);
    expect(Buffer.compare(await readFile(join(dst, 'out.log')), Buffer.concat(parts))).toBe(0);
  });

  it('runs two transfers at once', async () => {
    const d1 = randomBytes(300_000);
    const d2 = randomBytes(200_000);
    await writeFile(join(src, 'one.bin'), d1);
    await writeFile(join(src, 'two.bin'), d2);
    const t1 = await start({ kind: 'files', paths: join(src, 'one.bin') });
    const t2 = await start({ kind: 'files', paths: join(src, 'two.bin') });
    await Promise.all([t1.tx.result, t1.rx.result, t2.tx.result, t2.rx.result]);
    expect(Buffer.compare(await readFile(join(dst, 'one.bin')), d1)).toBe(0);
    expect(Buffer.compare(await readFile(join(dst, 'two.bin')), d2)).toBe(0);
  });

  it('reports progress with bytes, total, rate and path', async () => {
    await writeFile(join(src, 'p.bin'), randomBytes(2 << 20));
    const { tx, rx } = await start({ kind: 'files', paths: join(src, 'p.bin') }, { chunkSize: SMALL_CHUNK });
    const seen: Array<{ bytes: number; total: number | undefined; path: string | undefined }> = [];
    tx.on('progress', (p) => seen.push(p));
    await Promise.all([tx.result, rx.result]);
    const last = seen.at(-1);
    expect(last?.bytes).toBe(2 << 20);
    expect(last?.total).toBe(2 << 20);
    expect(last?.path).toBe('direct');
  });

  it('decline: nothing written, the sender fails with cancelled by remote', async () => {
    await writeFile(join(src, 'd.bin'), randomBytes(1000));
    const tx = await TransferSender.create({
      input: { kind: 'files', paths: join(src, 'd.bin') },
      sender: ids.sender,
      recipient: ids.recipient,
      backend,
    });
    const offer = await IncomingOffer.open(tx.offer, ids.receiver);
    tx.handleAnswer(offer.decline());
    const err = await settle(tx.result);
    expect(err?.code).toBe('cancelled');
    expect(err?.details).toMatchObject({ by: 'remote', reason: 'declined' });
    expect(await readdir(dst)).toEqual([]);
  });

  it.each(['sender', 'receiver'] as const)(
    'cancel from the %s: both fail, each says which side',
    async (who) => {
      await writeFile(join(src, 'c.bin'), randomBytes(8 << 20));
      const { tx, rx } = await start(
        { kind: 'files', paths: join(src, 'c.bin') },
        { chunkSize: SMALL_CHUNK },
      );
      rx.once('progress', () => (who === 'sender' ? tx.cancel('changed my mind') : rx.cancel()));
      const [te, re] = await Promise.all([settle(tx.result), settle(rx.result)]);
      expect(te?.code).toBe('cancelled');
      expect(re?.code).toBe('cancelled');
      expect(te?.details?.by).toBe(who === 'sender' ? 'local' : 'remote');
      expect(re?.details?.by).toBe(who === 'sender' ? 'remote' : 'local');
      expect(await readdir(dst)).toEqual([]);
    },
  );

  it('refuses to overwrite by default and leaves the existing file byte-identical', async () => {
    await writeFile(join(src, 'same.txt'), 'new content');
    await writeFile(join(dst, 'same.txt'), 'precious');
    const tx = await TransferSender.create({
      input: { kind: 'files', paths: join(src, 'same.txt') },
      sender: ids.sender,
      recipient: ids.recipient,
      backend,
    });
    const offer = await IncomingOffer.open(tx.offer, ids.receiver);
    const err = await settle(offer.accept({ dir: dst }));
    expect(err?.code).toBe('file_exists');
    expect(await readFile(join(dst, 'same.txt'), 'utf8')).toBe('precious');
    expect(await readdir(dst)).toEqual(['same.txt']);
  });

  it('overwrites when asked', async () => {
    await writeFile(join(src, 'same.txt'), 'new content');
    await writeFile(join(dst, 'same.txt'), 'old');
    const { tx, rx } = await start({ kind: 'files', paths: join(src, 'same.txt') }, { overwrite: true });
    await Promise.all([tx.result, rx.result]);
    expect(await readFile(join(dst, 'same.txt'), 'utf8')).toBe('new content');
  });

  it.each([
    ['../../etc/passwd', 'bad_manifest'],
    ['a/../../x', 'bad_manifest'],
    ['.hypersend/t_x/progress.json', 'unsafe_path'],
    ['evil\u202Etxt.exe', 'unsafe_path'],
  ])('rejects the forged manifest path %j (%s) before writing', async (path, code) => {
    const transferId = newTransferId();
    const key = new Uint8Array(randomBytes(32));
    const ctx = createStream(backend.aead, key, transferId);
    const forged = {
      version: 1,
      transferId,
      chunkSize: 65536,
      chunkCount: 1,
      totalSize: 4,
      files: [{ path, size: 4, mtime: 0, blake2b: '0'.repeat(128) }],
    } as Manifest; // never validated on the way out: the attacker controls the sender
    const env = await sealOffer(ctx, key, { kind: 'files', manifest: forged }, ids.sender, ids.recipient);
    const err = await settle(
      Promise.resolve().then(async () => (await IncomingOffer.open(env, ids.receiver)).accept({ dir: dst })),
    );
    expect(err?.code).toBe(code);
    expect(await readdir(dst)).toEqual([]);
  });

  it('refuses an offer whose sealed key was not signed by the known sender', async () => {
    await writeFile(join(src, 'x.bin'), 'x');
    const tx = await TransferSender.create({
      input: { kind: 'files', paths: join(src, 'x.bin') },
      sender: ids.sender,
      recipient: ids.recipient,
      backend,
    });
    const other = {
      ...ids.receiver,
      sender: { ...ids.receiver.sender, ed25519PublicKey: new Uint8Array(32).fill(9) },
    };
    await expect(IncomingOffer.open(tx.offer, other)).rejects.toMatchObject({ code: 'seal_invalid' });
  });
});
