// In-process engine tests over the memory channel pair: round trips, cancel/decline, tamper
// cases injected by a malicious channel wrapper, overwrite and path-safety refusals, resume.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CryptoBackend } from '../crypto/backend.ts';
import { loadCryptoBackend } from '../crypto/backend-node.ts';
import type { Manifest } from '../crypto/manifest.ts';
import { createStream } from '../crypto/stream.ts';
import { HypersendError } from '../errors.ts';
import type { FrameChannel } from './frame-channel.ts';
import { decodeFrame, encodeFrame } from './framing.ts';
import { createMemoryChannelPair } from './memory-channel.ts';
import { newTransferId, sealOffer } from './offer.ts';
import { IncomingOffer, type TransferReceiver } from './receiver.ts';
import { type SendInput, TransferSender } from './sender.ts';
import { sha256File, testIdentities } from './test-support.ts';

const SMALL_CHUNK = 16 * 1024;
let backend: CryptoBackend;
let ids: ReturnType<typeof testIdentities>;
let src: string;
let dst: string;

beforeAll(async () => {
  backend = await loadCryptoBackend();
  ids = testIdentities(backend);
});
beforeEach(async () => {
  src = await mkdtemp(join(tmpdir(), 'hs-tx-src-'));
  dst = await mkdtemp(join(tmpdir(), 'hs-tx-dst-'));
});
afterEach(async () => {
  await rm(src, { recursive: true, force: true });
  await rm(dst, { recursive: true, force: true });
});

type Wrap = (ch: FrameChannel) => FrameChannel;

async function start(
  input: SendInput,
  o: { wrap?: Wrap; chunkSize?: number; windowBytes?: number; overwrite?: boolean } = {},
) {
  const tx = await TransferSender.create({
    input,
    sender: ids.sender,
    recipient: ids.recipient,
    backend,
    ...(o.chunkSize === undefined ? {} : { chunkSize: o.chunkSize }),
    ...(o.windowBytes === undefined ? {} : { windowBytes: o.windowBytes }),
  });
  // The envelope crosses signaling as JSON.
  const offer = await IncomingOffer.open(JSON.parse(JSON.stringify(tx.offer)), ids.receiver);
  const rx = await offer.accept({ dir: dst, overwrite: o.overwrite ?? false, ackBytes: 4 * SMALL_CHUNK });
  const [a, b] = createMemoryChannelPair({ highWatermark: 256 * 1024 });
  tx.attach(o.wrap ? o.wrap(a) : a);
  rx.attach(b);
  return { tx, rx, offer };
}

async function settle(p: Promise<unknown>): Promise<HypersendError | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    if (!HypersendError.is(e)) throw e;
    return e;
  }
}

async function sendFile(size: number, chunkSize?: number): Promise<void> {
  const data = randomBytes(size);
  await writeFile(join(src, 'f.bin'), data);
  const { tx, rx } = await start(
    { kind: 'files', paths: join(src, 'f.bin') },
    chunkSize === undefined ? {} : { chunkSize },
  );
  const [sent, got] = await Promise.all([tx.result, rx.result]);
  expect(sent.bytes).toBe(size);
  expect(got.bytes).toBe(size);
  expect(Buffer.compare(await readFile(join(dst, 'f.bin')), data)).toBe(0);
  expect(await readdir(dst)).toEqual(['f.bin']); // no staging left
}

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

/** Rewrites the sender's outgoing frames. */
function tamper(edit: (frame: Uint8Array, out: (f: Uint8Array) => void) => void): Wrap {
  return (ch) => ({
    ...ch,
    send: async (frame) => {
      const outs: Uint8Array[] = [];
      edit(frame, (f) => outs.push(f));
      for (const f of outs) await ch.send(f);
    },
  });
}
const chunkIndex = (f: Uint8Array): number | undefined => {
  const r = decodeFrame(f);
  return r.ok && r.frame.type === 'chunk' ? r.frame.index : undefined;
};
const FINAL = 4; // 5 chunks of 16 KiB

describe('tampered streams fail typed, with no output and no .part', () => {
  let held: Uint8Array | undefined;
  const cases: Array<[string, string, Wrap]> = [
    [
      'bit flip in a chunk',
      'decrypt_failed',
      tamper((f, out) => {
        if (chunkIndex(f) === 1) f[20] = (f[20] ?? 0) ^ 1;
        out(f);
      }),
    ],
    ['dropped chunk', 'out_of_order', tamper((f, out) => chunkIndex(f) !== 2 && out(f))],
    [
      'duplicated chunk',
      'duplicate_chunk',
      tamper((f, out) => {
        out(f);
        if (chunkIndex(f) === 1) out(f.slice());
      }),
    ],
    [
      'reordered chunks',
      'out_of_order',
      tamper((f, out) => {
        if (chunkIndex(f) === 1) held = f;
        else {
          out(f);
          if (chunkIndex(f) === 2 && held) out(held);
        }
      }),
    ],
    ['truncated (final chunk omitted)', 'truncated', tamper((f, out) => chunkIndex(f) !== FINAL && out(f))],
    [
      'wrong transfer id in HELLO',
      'bad_frame',
      tamper((f, out) => {
        const r = decodeFrame(f);
        out(r.ok && r.frame.type === 'hello' ? encodeFrame({ ...r.frame, transferId: 't_someone_else' }) : f);
      }),
    ],
    [
      'chunk sealed for another transfer',
      'decrypt_failed',
      tamper((f, out) => {
        const i = chunkIndex(f);
        if (i === 1) {
          const other = createStream(backend.aead, new Uint8Array(32).fill(7), 't_other');
          const plain = new Uint8Array(f.length - 27);
          const forged = new Uint8Array(f.length);
          forged.set(f.subarray(0, 11));
          other.aead.sealInto(other.key, new Uint8Array(12), plain, undefined, forged, 11);
          out(forged);
        } else out(f);
      }),
    ],
  ];

  it.each(cases)('%s → %s', async (_name, code, wrap) => {
    held = undefined;
    await writeFile(join(src, 'victim.bin'), randomBytes(FINAL * SMALL_CHUNK + 100));
    const { tx, rx } = await start(
      { kind: 'files', paths: join(src, 'victim.bin') },
      { chunkSize: SMALL_CHUNK, wrap },
    );
    const [te, re] = await Promise.all([settle(tx.result), settle(rx.result)]);
    expect(re?.code).toBe(code);
    expect(te?.code).toBe(code); // the receiver told the sender with an ERROR frame
    expect(te?.details?.by).toBe('remote');
    expect(await readdir(dst)).toEqual([]);
  });
});

describe('resume', () => {
  it('continues from the last acknowledged chunk on a new channel after the connection fails', async () => {
    const data = randomBytes(6 << 20);
    await writeFile(join(src, 'r.bin'), data);
    const { tx, rx } = await start(
      { kind: 'files', paths: join(src, 'r.bin') },
      { chunkSize: SMALL_CHUNK, windowBytes: 1 << 20 },
    );
    const disconnected = new Promise<void>((resolve) => rx.once('disconnected', () => resolve()));
    await new Promise<void>((resolve) => rx.once('progress', () => resolve()));
    // Find the live channel by closing through the receiver's side: close() closes both ends.
    (rx as unknown as { channel: FrameChannel }).channel.close();
    await disconnected;
    const [a, b] = createMemoryChannelPair();
    tx.attach(a);
    rx.attach(b);
    const [sent] = await Promise.all([tx.result, rx.result]);
    expect(Buffer.compare(await readFile(join(dst, 'r.bin')), data)).toBe(0);
    expect(sent.connections).toBe(2);
    expect(sent.resentChunks).toBeLessThanOrEqual(tx.windowChunks);
  });

  it('a restarted receiver (new TransferReceiver on the same dir) resumes from its durable record', async () => {
    const data = randomBytes(4 << 20);
    await writeFile(join(src, 'k.bin'), data);
    const tx = await TransferSender.create({
      input: { kind: 'files', paths: join(src, 'k.bin') },
      sender: ids.sender,
      recipient: ids.recipient,
      backend,
      chunkSize: SMALL_CHUNK,
      windowBytes: 1 << 20,
    });
    const open = (): Promise<IncomingOffer> =>
      IncomingOffer.open(JSON.parse(JSON.stringify(tx.offer)), ids.receiver);
    const rx1: TransferReceiver = await (await open()).accept({
      dir: dst,
      ackBytes: 8 * SMALL_CHUNK,
      reconnectTimeoutMs: 50,
    });
    const [a, b] = createMemoryChannelPair();
    // The connection dies when chunk 100 is on its way: deterministic, unlike racing a fast transfer.
    tx.attach(
      tamper((f, out) => {
        if (chunkIndex(f) === 100) a.close();
        else out(f);
      })(a),
    );
    rx1.attach(b);
    const lost = await settle(rx1.result);
    expect(lost?.code, lost?.message).toBe('peer_closed');
    const rx2 = await (await open()).accept({ dir: dst });
    expect(rx2.nextChunk).toBeGreaterThan(0);
    const [c, d] = createMemoryChannelPair();
    tx.attach(c);
    rx2.attach(d);
    const [sent] = await Promise.all([tx.result, rx2.result]);
    expect(Buffer.compare(await readFile(join(dst, 'k.bin')), data)).toBe(0);
    expect(sent.resentChunks).toBeLessThanOrEqual(tx.windowChunks);
  });
});

describe('chunk size against the channel limit (HELLO maxChunkSize)', () => {
  /** A memory channel whose transport carries at most `limit` bytes per frame, like a data channel. */
  const limited =
    (limit: number): Wrap =>
    (ch) => ({
      send: (f) => ch.send(f),
      onFrame: (h) => ch.onFrame(h),
      onClose: (h) => ch.onClose(h),
      close: () => ch.close(),
      maxFrameBytes: async () => limit,
    });

  async function run(chunkSize: number, limit: number) {
    await writeFile(join(src, 'f.bin'), randomBytes(5 * chunkSize + 3));
    const tx = await TransferSender.create({
      input: { kind: 'files', paths: join(src, 'f.bin') },
      sender: ids.sender,
      recipient: ids.recipient,
      backend,
      chunkSize,
    });
    const offer = await IncomingOffer.open(JSON.parse(JSON.stringify(tx.offer)), ids.receiver);
    const rx = await offer.accept({ dir: dst });
    const [a, b] = createMemoryChannelPair({ highWatermark: 1 << 20 });
    tx.attach(limited(limit)(a));
    rx.attach(limited(limit)(b));
    return { tx, rx };
  }

  it('a chunk size that fits the receiver’s advertised limit transfers, and the limit is reported', async () => {
    const limit = 40 * 1024; // → 40 KiB − 27 B, rounded down to 39 KiB
    const { tx, rx } = await run(32 * 1024, limit);
    await Promise.all([tx.result, rx.result]);
    expect(tx.chunkSizeLimit).toBe(39 * 1024);
    expect(await sha256File(join(dst, 'f.bin'))).toBe(await sha256File(join(src, 'f.bin')));
  });

  it('chunks larger than the channel carries fail unsupported on both ends, nothing written', async () => {
    const { tx, rx } = await run(64 * 1024, 40 * 1024);
    const [te, re] = await Promise.all([settle(tx.result), settle(rx.result)]);
    expect(te?.code).toBe('unsupported');
    // The sender says which sizes, so the user can send again with one that fits.
    expect(te?.details).toEqual({ chunkSize: 64 * 1024, peerMaxChunkSize: 39 * 1024 });
    expect(re?.code).toBe('unsupported');
    expect(await readdir(dst)).toEqual([]);
  });

  it('without a known limit the receiver advertises 1 MiB', async () => {
    const { tx, rx } = await run(64 * 1024, Number.POSITIVE_INFINITY);
    await Promise.all([tx.result, rx.result]);
    expect(tx.chunkSizeLimit).toBe(1024 * 1024);
  });
});

describe('a receiver that goes silent', () => {
  it('is given up after the channel’s silence limit, and the transfer resumes on a new channel', async () => {
    const data = randomBytes(2 << 20);
    await writeFile(join(src, 's.bin'), data);
    const dropAcks: Wrap = (ch) => ({
      ...ch,
      // The receiver keeps receiving but its acknowledgements never arrive: a vanished peer whose
      // transport still swallows what is sent.
      send: async (f) => {
        const r = decodeFrame(f);
        if (!(r.ok && r.frame.type === 'ack')) await ch.send(f);
      },
    });
    const tx = await TransferSender.create({
      input: { kind: 'files', paths: join(src, 's.bin') },
      sender: ids.sender,
      recipient: ids.recipient,
      backend,
      chunkSize: SMALL_CHUNK,
      windowBytes: 256 * 1024,
    });
    const offer = await IncomingOffer.open(JSON.parse(JSON.stringify(tx.offer)), ids.receiver);
    const rx = await offer.accept({ dir: dst, ackBytes: 4 * SMALL_CHUNK });
    const [a, b] = createMemoryChannelPair();
    const lost = new Promise<HypersendError | undefined>((resolve) => tx.once('disconnected', resolve));
    const t0 = Date.now();
    tx.attach({ ...a, silenceLimitMs: 400 });
    rx.attach(dropAcks(b));
    const err = await lost;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(err?.code).toBe('peer_connection_failed');
    expect(tx.active).toBe(true); // waiting for a new channel, not failed

    const [a2, b2] = createMemoryChannelPair();
    tx.attach({ ...a2, silenceLimitMs: 400 });
    rx.attach(b2);
    const [sent] = await Promise.all([tx.result, rx.result]);
    expect(Buffer.compare(await readFile(join(dst, 's.bin')), data)).toBe(0);
    expect(sent.connections).toBe(2);
  });

  it('is never given up while nothing awaits its acknowledgement (an offer not yet answered)', async () => {
    await writeFile(join(src, 'q.bin'), randomBytes(64 * 1024));
    const tx = await TransferSender.create({
      input: { kind: 'files', paths: join(src, 'q.bin') },
      sender: ids.sender,
      recipient: ids.recipient,
      backend,
      chunkSize: SMALL_CHUNK,
    });
    const [a] = createMemoryChannelPair();
    let disconnected = false;
    tx.once('disconnected', () => {
      disconnected = true;
    });
    tx.attach({ ...a, silenceLimitMs: 100 }); // no receiver speaks: nothing was sent
    await new Promise((r) => setTimeout(r, 600));
    expect(disconnected).toBe(false);
    expect(tx.active).toBe(true);
    tx.interrupt();
    await settle(tx.result);
  });
});
