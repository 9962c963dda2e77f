/**
 * Chat store at scale, on both back ends in the same run: the embedded SQLite store and the
 * MongoDB one against a real MongoDB wire-protocol server (FerretDB, as the test suite runs it).
 * Each store is seeded with `--messages` ciphertext messages (default 1,000,000, in 10 conversations
 * of 100,000) through `ChatStore.bulkInsertMessages`, then measured:
 *
 * - history page latency: `listMessages(conversation, { before: <random seq>, limit: 50 })` at
 *   random depths of random conversations, plus the newest page; p50/p99 over `--queries`;
 * - appends/s: `appendMessage` (next seq, idempotency index, the persistence step of every delivered
 *   message) from 8 concurrent writers, one conversation each, on top of the seeded data.
 *
 *   node --import tsx bench/src/chat-history.ts [--tiny] [--messages=1000000] [--queries=300]
 *        [--appends=2000] [--backends=sqlite,mongodb] [--mongo-seed-budget-s=240]
 *
 * Seeding FerretDB is slow (its SQLite back end stores every document as JSON and maintains
 * the indexes per row): it seeds in bulk until `--mongo-seed-budget-s`, and if the full count
 * did not fit it measures at the count it reached and says so in the label and the output.
 * The ChatStore is the chat helper's (signaling/src/chat); this measures only the store, not the
 * WebSocket delivery path around it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TestProject } from 'vitest/node';
import type { ChatStore, MessageRecord } from '../../signaling/src/chat/chat-store.ts';
import { createMongoChatStore } from '../../signaling/src/chat/mongo-chat-store.ts';
import { createSqliteChatStore } from '../../signaling/src/chat/sqlite-chat-store.ts';
import startMongo from '../../test/src/fixtures/mongo-global-setup.ts';
import { flagReader } from './lib/bench-options.ts';
import { compared, emitResult, type Figure } from './lib/bench-result.ts';

type Backend = 'sqlite' | 'mongodb';

/** How much one back end is measured with. */
interface Scale {
  messages: number;
  queries: number;
  appends: number;
}

interface Options {
  tiny: boolean;
  /** SQLite gets the full scale; MongoDB (FerretDB) a smaller one, see the module comment. */
  scale: Record<Backend, Scale>;
  conversations: number;
  pageSize: number;
  backends: Backend[];
  mongoSeedBudgetS: number;
}

function options(argv = process.argv.slice(2)): Options {
  const { get, positiveInt: num } = flagReader(argv);
  const tiny = argv.includes('--tiny');
  const backends = (get('backends') ?? 'sqlite,mongodb').split(',') as Backend[];
  for (const b of backends) if (b !== 'sqlite' && b !== 'mongodb') throw new Error(`unknown back end ${b}`);
  const messages = num('messages', tiny ? 2_000 : 1_000_000);
  const queries = num('queries', tiny ? 20 : 300);
  const appends = num('appends', tiny ? 80 : 2_000);
  return {
    tiny,
    scale: {
      sqlite: { messages, queries, appends },
      mongodb: {
        messages: num('mongo-messages', Math.min(messages, tiny ? 500 : 2_000)),
        queries: num('mongo-queries', Math.min(queries, tiny ? 4 : 10)),
        appends: num('mongo-appends', Math.min(appends, tiny ? 8 : 16)),
      },
    },
    conversations: num('conversations', tiny ? 2 : 10),
    pageSize: num('page', 50),
    backends,
    mongoSeedBudgetS: num('mongo-seed-budget-s', tiny ? 60 : 240),
  };
}

const count = (n: number) => n.toLocaleString('en-US');
const SEED_BATCH = 5_000;
const WRITERS = 8;
/** Longest a measuring phase (pages, appends) may run; it then stops with what it has. */
const PHASE_BUDGET_S = 30;
const USERS = ['u_bench_alice', 'u_bench_bob'];
/** Roughly a short text message sealed for one device: 24-byte nonce, ~100-byte box. */
const NONCE = randomBytes(24).toString('base64');
const BOX = randomBytes(100).toString('base64');
const envelopes = USERS.map((user) => ({ user, device: `${user}_d1`, nonce: NONCE, box: BOX }));
const conversationId = (c: number) => `c_bench_${c}`;

function message(conversation: number, seq: number, sentAt: number): MessageRecord {
  return {
    conversationId: conversationId(conversation),
    messageId: `m_${conversation}_${seq}`,
    senderUser: USERS[seq % 2] as string,
    senderDevice: `${USERS[seq % 2]}_d1`,
    kind: 'text',
    sentAt,
    transferId: null,
    system: null,
    envelopes,
    seq,
    deletedAt: null,
  };
}

async function createConversations(store: ChatStore, n: number): Promise<void> {
  const now = Date.now();
  for (let c = 0; c < n; c++)
    await store.createConversation(
      {
        id: conversationId(c),
        kind: 'group',
        title: `bench ${c}`,
        createdAt: now,
        createdBy: USERS[0] as string,
        directKey: `g:${conversationId(c)}`,
      },
      USERS.map((userId) => ({
        conversationId: conversationId(c),
        userId,
        role: 'member' as const,
        joinedAt: now,
        delivered: 0,
        read: 0,
      })),
    );
}

/**
 * Insert up to `messages` messages, round robin over the conversations in batches, until done
 * or the budget is spent. Returns the messages per conversation actually stored.
 */
async function seed(
  store: ChatStore,
  o: Options,
  messages: number,
  budgetS: number,
): Promise<{ perConversation: number; seconds: number }> {
  const target = Math.floor(messages / o.conversations);
  const t0 = performance.now();
  const sentAt = Date.now() - 86_400_000;
  let perConversation = 0;
  const step = Math.max(1, Math.floor(SEED_BATCH / o.conversations));
  let lastReport = t0;
  while (perConversation < target) {
    if ((performance.now() - t0) / 1000 > budgetS) break;
    const n = Math.min(step, target - perConversation);
    const batch: MessageRecord[] = [];
    for (let c = 0; c < o.conversations; c++)
      for (let i = 1; i <= n; i++) batch.push(message(c, perConversation + i, sentAt + perConversation + i));
    await store.bulkInsertMessages(batch);
    perConversation += n;
    if (performance.now() - lastReport > 15_000) {
      lastReport = performance.now();
      const done = perConversation * o.conversations;
      const rate = done / ((lastReport - t0) / 1000);
      console.log(`    ${done.toLocaleString('en-US')} seeded (${rate.toFixed(0)}/s)`);
    }
  }
  return { perConversation, seconds: (performance.now() - t0) / 1000 };
}

const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

/** What one back end measured (`details` of the result line). */
export interface BackendResult {
  backend: Backend;
  seeded: number;
  /** The count this back end was meant to be seeded with (smaller than `target` for FerretDB). */
  planned?: number;
  target: number;
  seedSeconds: number;
  pageP50Ms: number;
  pageP99Ms: number;
  newestP50Ms: number;
  appendsPerSecond: number;
  /** History pages and appends actually done (the phases stop early at PHASE_BUDGET_S). */
  pages: number;
  appended: number;
}

async function measure(store: ChatStore, backend: Backend, o: Options): Promise<BackendResult> {
  await createConversations(store, o.conversations + WRITERS);
  const budget = backend === 'mongodb' ? o.mongoSeedBudgetS : 3600;
  const scale = o.scale[backend];
  const full = o.scale.sqlite.messages;
  if (scale.messages < full)
    console.log(
      `  ${backend}: measured at ${count(scale.messages)} messages, NOT ${count(full)}. FerretDB 1.24 ` +
        '(SQLite back end) answered every query here in time that grows with the whole collection, even for ' +
        'an empty conversation (a scan, no index use): ~0.7 ms per stored message per page, so at ' +
        `${count(full)} one page would take ~${((full * 0.7) / 1000 / 60).toFixed(0)} min. Override: --mongo-messages=N`,
    );
  console.log(`  ${backend}: seeding ${count(scale.messages)} messages in ${o.conversations} conversations`);
  const { perConversation, seconds } = await seed(store, o, scale.messages, budget);
  const seeded = perConversation * o.conversations;
  const short = seeded < scale.messages;
  console.log(
    `  ${backend}: ${count(seeded)} seeded in ${seconds.toFixed(1)} s (${(seeded / seconds).toFixed(0)}/s)` +
      (short ? ` — SHORT of ${count(scale.messages)}: the ${budget} s seeding budget ran out` : ''),
  );
  const pages: number[] = [];
  const newest: number[] = [];
  // Each phase is bounded in time as well as count: FerretDB on a busy machine can take seconds per call.
  const queryDeadline = performance.now() + PHASE_BUDGET_S * 1000;
  for (let i = 0; i < scale.queries && (i === 0 || performance.now() < queryDeadline); i++) {
    const c = Math.floor(Math.random() * o.conversations);
    const before = o.pageSize + 1 + Math.floor(Math.random() * Math.max(1, perConversation - o.pageSize));
    let t = performance.now();
    const page = await store.listMessages(conversationId(c), { before, limit: o.pageSize });
    pages.push(performance.now() - t);
    if (page.length !== Math.min(o.pageSize, before - 1) || page.at(-1)?.seq !== before - 1)
      throw new Error(
        `${backend}: page before ${before} has ${page.length} messages ending at ${page.at(-1)?.seq}`,
      );
    t = performance.now();
    await store.listMessages(conversationId(c), { limit: o.pageSize });
    newest.push(performance.now() - t);
  }
  pages.sort((a, b) => a - b);
  newest.sort((a, b) => a - b);
  // Appends: WRITERS conversations of their own, so writers never race for a seq.
  const t0 = performance.now();
  const perWriter = Math.ceil(scale.appends / WRITERS);
  const appendDeadline = t0 + PHASE_BUDGET_S * 1000;
  let appended = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      const c = o.conversations + w;
      for (let i = 0; i < perWriter && (i === 0 || performance.now() < appendDeadline); i++) {
        const { seq: _seq, deletedAt: _d, ...fresh } = message(c, i + 1, Date.now());
        await store.appendMessage(fresh);
        appended += 1;
      }
    }),
  );
  const appendsPerSecond = appended / ((performance.now() - t0) / 1000);
  const r: BackendResult = {
    backend,
    seeded,
    target: full,
    planned: scale.messages,
    seedSeconds: seconds,
    pageP50Ms: quantile(pages, 0.5),
    pageP99Ms: quantile(pages, 0.99),
    newestP50Ms: quantile(newest, 0.5),
    appendsPerSecond,
    pages: pages.length,
    appended,
  };
  console.log(
    `  ${backend}: history page (${o.pageSize}) p50 ${r.pageP50Ms.toFixed(2)} ms, p99 ${r.pageP99Ms.toFixed(2)} ms ` +
      `over ${r.pages} pages; newest page p50 ${r.newestP50Ms.toFixed(2)} ms; ` +
      `appends ${r.appendsPerSecond.toFixed(1)}/s (${r.appended} by ${WRITERS} writers)`,
  );
  return r;
}

async function withStore<T>(backend: Backend, work: string, fn: (s: ChatStore) => Promise<T>): Promise<T> {
  if (backend === 'sqlite') {
    const store = createSqliteChatStore({ path: join(work, 'hypersend.db') });
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  }
  // The test suite's MongoDB server: MONGODB_URI, a mongod/ferretdb on PATH, or the FerretDB that
  // scripts/setup.d/10-ferretdb.sh builds, started on a free loopback port and removed after.
  let uri = '';
  const stop = await startMongo({
    provide: (_key: string, value: string) => (uri = value),
  } as unknown as TestProject);
  try {
    const store = await createMongoChatStore({
      uri,
      db: `hypersend_bench_${randomBytes(4).toString('hex')}`,
    });
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  } finally {
    await stop();
  }
}

/** The table rows of a run: per back end; MongoDB's are compared with SQLite's. */
export function chatFigures(results: BackendResult[]): Figure[] {
  const sqlite = results.find((r) => r.backend === 'sqlite');
  const out: Figure[] = [];
  for (const r of results) {
    const why =
      r.seeded < (r.planned ?? r.seeded)
        ? ` (seeding budget ran out; target ${count(r.target)})`
        : r.seeded < r.target
          ? ` (not ${count(r.target)}: FerretDB scans the collection per query, see bench/README)`
          : '';
    const at = `${count(r.seeded)} messages${why}`;
    const name = r.backend === 'sqlite' ? 'SQLite' : 'MongoDB wire protocol (FerretDB)';
    const ref = r.backend === 'mongodb' && sqlite ? sqlite : undefined;
    const pair = (
      id: string,
      label: string,
      value: number,
      unit: string,
      refValue: number | undefined,
      lower: boolean,
    ): Figure =>
      ref && refValue !== undefined
        ? compared(
            id,
            label,
            value,
            unit,
            { label: `SQLite, ${count(ref.seeded)} messages`, value: refValue },
            undefined,
            lower,
          )
        : { id, label, value, unit, ...(lower ? { lowerIsBetter: true } : {}) };
    out.push(
      pair(
        `chat.history_p50_ms.${r.backend}`,
        `Chat history page p50, ${name}, ${at}`,
        r.pageP50Ms,
        'ms',
        ref?.pageP50Ms,
        true,
      ),
      pair(
        `chat.history_p99_ms.${r.backend}`,
        `Chat history page p99, ${name}, ${at}`,
        r.pageP99Ms,
        'ms',
        ref?.pageP99Ms,
        true,
      ),
      pair(
        `chat.appends_per_s.${r.backend}`,
        `Chat messages stored/s (appendMessage, ${WRITERS} writers), ${name}`,
        r.appendsPerSecond,
        'msg/s',
        ref?.appendsPerSecond,
        false,
      ),
    );
  }
  return out;
}

async function main(): Promise<void> {
  const o = options();
  console.log(
    `chat store (${o.backends.join(', ')}): ${count(o.scale.sqlite.messages)} messages, ` +
      `${o.scale.sqlite.queries} history pages of ${o.pageSize}, ${count(o.scale.sqlite.appends)} appends`,
  );
  const results: BackendResult[] = [];
  for (const backend of o.backends) {
    const work = await mkdtemp(join(tmpdir(), `hs-bench-chat-${backend}-`));
    try {
      results.push(await withStore(backend, work, (store) => measure(store, backend, o)));
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
  emitResult({ bench: 'chat-history', tiny: o.tiny, figures: chatFigures(results), details: results });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
