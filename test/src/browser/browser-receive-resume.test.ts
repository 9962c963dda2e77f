// A browser RECEIVER resumes after a page reload: the Node CLI sends (rate-limited, so the
// transfer is mid-flight), the page is reloaded after some bytes were acknowledged, the CLI
// re-offers the same transfer, the reloaded page recognises it from its IndexedDB progress record
// and answers with the resume point; hash equal, and at most one acknowledgement window is sent
// twice. Also: the IndexedDB progress store itself, and the sweep of stale partials.
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killAll, Peer } from '../cli/cli-harness.ts';
import type { WatchedPage } from '../fixtures/chromium.ts';
import { randomUsername } from '../helpers/users.ts';
import { type BrowserLab, startBrowserLab } from './browser-harness.ts';
import { PASSWORD, type TestWindow } from './page-api.ts';

const MiB = 1024 * 1024;
const SIZE = 40 * MiB + 4321; // not a multiple of the chunk size
/** The sender's default window (32 MiB of chunks): the most a resume may send twice (as the Node tests). */
const WINDOW_BYTES = 32 * MiB;
/** Reload once at least this much is durable in the browser (a few segments). */
const RELOAD_AFTER_BYTES = 8 * MiB;
const TARGET = 'resume-inbox';

let lab: BrowserLab;
let cli: Peer;
let tab: WatchedPage;
let browserUser: string;

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function startPage(register: boolean): Promise<void> {
  await tab.page.evaluate((o) => (window as unknown as TestWindow).hsTest.start(o), {
    serverUrl: lab.signaling.url,
    username: browserUser,
    password: PASSWORD,
    register,
  });
}

beforeAll(async () => {
  lab = await startBrowserLab();
  cli = await Peer.create(lab.signaling.url, randomUsername('cli'));
  browserUser = randomUsername('web');
  tab = await lab.newPage();
  await Promise.all([cli.ok(['register', cli.username]), startPage(true)]);
  await tab.page.evaluate(
    (u) => (window as unknown as TestWindow).hsTest.client.contacts.request(u),
    cli.username,
  );
  await cli.ok(['contacts', 'accept', browserUser]);
}, 120_000);
afterEach(async (ctx) => {
  killAll();
  if (ctx.task.result?.state === 'fail') await tab?.saveArtifacts(`receive-resume-${ctx.task.name}`);
});
afterAll(async () => {
  killAll();
  await cli?.cleanup();
  await lab?.close();
});

describe('IndexedDB progress store (in Chromium)', () => {
  it('puts, gets, lists and deletes records; malformed or mismatched entries read as absent', async () => {
    const r = await tab.page.evaluate(async () => {
      const { hs } = window as unknown as TestWindow;
      const store = new hs.IndexedDbProgressStore({ database: 'hs-test-progress' });
      const record = {
        version: 1,
        transferId: 't_store1',
        manifestDigest: 'ab'.repeat(32),
        senderDevice: 'u1/d1',
        chunkSize: 65536,
        chunkCount: 10,
        nextChunk: 4,
        hash: { chunks: 4, bytes: 262144, chain: 'cd'.repeat(64) },
      };
      const entry = { v: 1, rootDir: 'inbox', kind: 'opfs', updatedAt: 1, record, segments: [] };
      const empty = await store.get('t_store1');
      await store.put(entry);
      const got = await store.get('t_store1');
      await store.put({ ...entry, record: { ...record, transferId: 't_store2' } });
      const listed = (await store.list()).map((e: { record: { transferId: string } }) => e.record.transferId);
      // A bad record is refused on write, with the schema's error.
      const badPut = await store
        .put({ ...entry, record: { ...record, hash: { ...record.hash, chain: 'xyz' } } })
        .then(
          () => 'stored',
          () => 'refused',
        );
      // Written behind the store's back: a malformed entry, and one stored under another id.
      await new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('hs-test-progress', 1);
        open.onsuccess = () => {
          const tx = open.result.transaction('progress', 'readwrite');
          tx.objectStore('progress').put({ v: 1, rootDir: 'inbox' }, 't_bad');
          tx.objectStore('progress').put(entry, 't_other');
          tx.oncomplete = () => {
            open.result.close();
            resolve();
          };
          tx.onerror = () => reject(tx.error);
        };
        open.onerror = () => reject(open.error);
      });
      const bad = await store.get('t_bad');
      const other = await store.get('t_other');
      await store.delete('t_store1');
      const afterDelete = await store.get('t_store1');
      return { empty, got, listed, badPut, bad, other, afterDelete };
    });
    expect(r.empty).toBeUndefined();
    expect(r.got?.record.nextChunk).toBe(4);
    expect(r.got?.rootDir).toBe('inbox');
    expect(r.listed.sort()).toEqual(['t_store1', 't_store2']);
    expect(r.badPut).toBe('refused');
    expect(r.bad).toBeUndefined();
    expect(r.other).toBeUndefined(); // the key must be the record's own transfer id
    expect(r.afterDelete).toBeUndefined();
  }, 30_000);

  it('sweeps partials older than the bound (record and OPFS staging), keeps fresh ones', async () => {
    const r = await tab.page.evaluate(async () => {
      const { hs } = window as unknown as TestWindow;
      const previous = hs.progressStore();
      const store = new hs.IndexedDbProgressStore({ database: 'hs-test-sweep' });
      hs.useProgressStore(store);
      try {
        const opfs = await navigator.storage.getDirectory();
        const folder = await opfs.getDirectoryHandle('sweep-inbox', { create: true });
        const hsDir = await folder.getDirectoryHandle('.hypersend', { create: true });
        for (const id of ['t_old', 't_new']) {
          const staged = await hsDir.getDirectoryHandle(id, { create: true });
          const seg = await (await staged.getFileHandle('0-0.seg', { create: true })).createWritable();
          await seg.write(new Uint8Array(1000));
          await seg.close();
        }
        const record = (transferId: string) => ({
          version: 1,
          transferId,
          manifestDigest: 'ab'.repeat(32),
          senderDevice: 'u1/d1',
          chunkSize: 65536,
          chunkCount: 10,
          nextChunk: 0,
          hash: { chunks: 0, bytes: 0, chain: 'cd'.repeat(64) },
        });
        const now = Date.now();
        const day = 24 * 3600 * 1000;
        await store.put({
          v: 1,
          rootDir: 'sweep-inbox',
          kind: 'opfs',
          updatedAt: now - 8 * day,
          record: record('t_old'),
          segments: [],
        });
        await store.put({
          v: 1,
          rootDir: 'sweep-inbox',
          kind: 'opfs',
          updatedAt: now - 1 * day,
          record: record('t_new'),
          segments: [],
        });
        const removed = await hs.sweepStalePartials();
        const names: string[] = [];
        for await (const name of (hsDir as unknown as { keys(): AsyncIterable<string> }).keys())
          names.push(name);
        const left = (await store.list()).map((e: { record: { transferId: string } }) => e.record.transferId);
        await hs.discardPartial('t_new'); // e.g. the sender cancelled its re-offer
        const afterDiscard = {
          records: (await store.list()).length,
          staged: await folder.getDirectoryHandle('.hypersend').then(
            () => true,
            () => false,
          ),
        };
        return { removed, names, left, afterDiscard };
      } finally {
        hs.useProgressStore(previous);
      }
    });
    expect(r.removed).toBe(1);
    expect(r.names).toEqual(['t_new']);
    expect(r.left).toEqual(['t_new']);
    // The last staged transfer gone: `.hypersend` itself is removed too.
    expect(r.afterDiscard).toEqual({ records: 0, staged: false });
  }, 30_000);
});

describe('OPFS quota', () => {
  it('an offer the quota cannot hold is refused before any byte (payload_too_large; the sender sees declined)', async () => {
    const src = join(cli.home, 'too-big-for-quota.bin');
    await writeFile(src, randomBytes(300_000));
    const tx = cli.spawn(['send', src, '--to', browserUser, '--json'], { timeoutMs: 60_000 });
    const r = await tab.page.evaluate(async () => {
      const { hs, hsTest } = window as unknown as TestWindow;
      const storage = navigator.storage as { estimate: () => Promise<StorageEstimate> };
      const real = storage.estimate;
      // A nearly full origin: 200 kB left.
      storage.estimate = async () => ({ quota: 10_000_000, usage: 9_800_000 });
      try {
        const offer = await hsTest.waitOffer(30_000);
        const t = hs.acceptInto(offer, 'quota-inbox');
        const code = await t.result.then(
          () => 'received',
          (e: { code?: string; details?: Record<string, number> }) => ({ code: e.code, details: e.details }),
        );
        const record = await hs.progressStore().get(offer.transferId);
        const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle('quota-inbox');
        const names: string[] = [];
        for await (const n of (folder as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(n);
        return { code, record: record !== undefined, names };
      } finally {
        storage.estimate = real;
      }
    });
    expect(r.code).toEqual({
      code: 'payload_too_large',
      details: { neededBytes: 600_000, availableBytes: 200_000 },
    });
    expect(r.record).toBe(false);
    expect(r.names).toEqual([]); // no staging left behind
    const sent = await tx.done;
    expect(sent.code).not.toBe(0);
    expect(sent.stdout + sent.stderr).toMatch(/declined/u);
  }, 60_000);
});

describe('Chromium receiver reloads mid-transfer (Node CLI sender)', () => {
  it(
    'the reloaded page recognises the re-offer, resumes from its record, hash equal, resends ≤ one window',
    () =>
      // Page errors carry the bundle's URL in their stack, which vitest's source mapping chokes on
      // (EISDIR) and then hides the failure: report them by message.
      reloadMidTransfer().catch((err: unknown) => {
        throw new Error(err instanceof Error ? err.message : String(err));
      }),
    150_000,
  );
});

async function reloadMidTransfer(): Promise<void> {
  const src = join(cli.home, 'resume.bin');
  const bytes = randomBytes(SIZE);
  await writeFile(src, bytes);
  const tx = cli.spawn(['send', src, '--to', browserUser, '--json', '--limit-rate', '6M'], {
    timeoutMs: 150_000,
  });
  const transferId = await tab.page.evaluate(async (target) => {
    const t = (window as unknown as TestWindow).hsTest;
    const offer = await t.waitOffer(30_000);
    const transfer = (window as unknown as TestWindow).hs.acceptInto(offer, target);
    transfer.result.catch(() => undefined); // this page is about to go away
    return offer.transferId as string;
  }, TARGET);

  // Mid-flight: wait until the page has durably recorded some bytes (and acknowledged them).
  const before = await tab.page.evaluate(
    async ({ id, min }) => {
      const { hs } = window as unknown as TestWindow;
      const end = Date.now() + 60_000;
      for (;;) {
        const e = await hs.progressStore().get(id);
        if (e && e.record.nextChunk * e.record.chunkSize >= min) {
          const opfs = await navigator.storage.getDirectory();
          const folder = await opfs.getDirectoryHandle(e.rootDir);
          const staged = await (await folder.getDirectoryHandle('.hypersend')).getDirectoryHandle(id);
          const names: string[] = [];
          for await (const n of (staged as unknown as { keys(): AsyncIterable<string> }).keys())
            names.push(n);
          return {
            nextChunk: e.record.nextChunk as number,
            chunkSize: e.record.chunkSize as number,
            segments: e.segments.length as number,
            names,
            rootDir: e.rootDir as string,
          };
        }
        if (Date.now() > end)
          throw new Error(`no durable progress for ${id} within 60 s: ${JSON.stringify(e)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    { id: transferId, min: RELOAD_AFTER_BYTES },
  );
  expect(before.rootDir).toBe(TARGET);
  expect(before.nextChunk).toBeGreaterThan(0);
  expect(before.nextChunk * before.chunkSize).toBeLessThan(SIZE); // still mid-flight
  expect(before.segments).toBeGreaterThan(0);
  expect(before.names.length).toBeGreaterThanOrEqual(before.segments);
  // Only segments (and Chromium's swap file of the open one) are staged: nothing carries the final name.
  expect(before.names.filter((n: string) => !/^\d+-\d+\.seg(?:\.crswap)?$/u.test(n))).toEqual([]);

  const t0 = Date.now();
  await tab.page.reload();
  await tab.page.waitForFunction(() => (window as unknown as { hsReady?: boolean }).hsReady === true, null, {
    timeout: 30_000,
  });
  await startPage(false);
  const reloadedMs = Date.now() - t0;

  const after = await tab.page.evaluate(async (id) => {
    const { hs, hsTest } = window as unknown as TestWindow;
    const offer = await hsTest.waitOffer(60_000);
    const info = await hs.partialReceiveOf(offer);
    if (!info) throw new Error('the re-offer was not recognised as a resumption');
    const t = hs.acceptInto(offer, info.dir);
    let firstProgress: number | undefined;
    t.on('progress', (p: { bytes: number }) => {
      firstProgress ??= p.bytes;
    });
    const result = await t.result;
    const file: File = await hs.readReceivedFile(info.dir, 'resume.bin');
    const leftover = await hs.progressStore().get(id);
    const opfs = await navigator.storage.getDirectory();
    const folder = await opfs.getDirectoryHandle(info.dir);
    const staging = await folder.getDirectoryHandle('.hypersend').then(
      () => true,
      () => false,
    );
    return {
      sameTransfer: offer.transferId === id,
      info,
      firstProgress,
      bytes: result.bytes as number,
      size: file.size,
      sha256: await hsTest.sha256Of(file),
      recordLeft: leftover !== undefined,
      staging,
    };
  }, transferId);
  const resumedMs = Date.now() - t0;
  const sent = await tx.done;
  expect(sent.code, sent.stderr).toBe(0);

  expect(after.sameTransfer).toBe(true);
  expect(after.info.dir).toBe(TARGET);
  // The resume point is at least what was durable before the reload.
  expect(after.info.bytes).toBeGreaterThanOrEqual(before.nextChunk * before.chunkSize);
  expect(after.info.bytes).toBeLessThan(SIZE);
  expect(after.firstProgress ?? SIZE).toBeGreaterThanOrEqual(after.info.bytes);
  expect(after.size).toBe(SIZE);
  expect(after.sha256).toBe(sha256(bytes));
  expect(after.recordLeft).toBe(false);
  expect(after.staging).toBe(false);

  const events = sent.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  // The sender lost the page once and says why. With the page's goodbye (pagehide → BYE) it is
  // `peer_closed`; the goodbye is best effort, and a loaded CI run once saw the page torn down
  // before the BYE left (`lost`), so either is accepted here and the cause is printed. The
  // mechanism itself is tested deterministically in client-sdk/src/browser/page-goodbye.test.ts.
  const causes = events.filter((e) => e.event === 'reconnecting').map((e) => e.cause);
  expect(causes).toHaveLength(1);
  expect(['peer_closed', 'lost']).toContain(causes[0]);
  // What the sender sent twice: at most one acknowledgement window.
  const done = events.find((e) => e.event === 'done') as {
    sentChunks: number;
    resentChunks: number;
    chunks: number;
    chunkSize: number;
  };
  expect(done, sent.stdout).toBeDefined();
  console.info(
    `browser reload resume: sender saw ${String(causes[0])}; page back and logged in after ${reloadedMs} ms, transfer done ${resumedMs} ms after the reload; resumed at ${after.info.bytes} B of ${SIZE}; sender sent ${done.sentChunks} chunks, resent ${done.resentChunks} (${done.chunkSize} B each)`,
  );
  expect(done.chunks).toBe(Math.ceil(SIZE / done.chunkSize));
  expect(done.sentChunks - done.resentChunks).toBe(done.chunks);
  expect(done.resentChunks * done.chunkSize).toBeLessThanOrEqual(WINDOW_BYTES);

  // And the download link serves the whole file.
  const [download] = await Promise.all([
    tab.page.waitForEvent('download', { timeout: 15_000 }),
    tab.page.evaluate(
      (dir) => (window as unknown as TestWindow).hs.downloadReceivedFile(dir, 'resume.bin'),
      TARGET,
    ),
  ]);
  expect(sha256(await readFile(await download.path()))).toBe(sha256(bytes));
}
