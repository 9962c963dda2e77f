import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';

/** Hashes and verifies passwords (argon2id via libsodium `crypto_pwhash_str`) off the event loop. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** False for a wrong password or a malformed hash; never throws for a bad password. */
  verify(hash: string, password: string): Promise<boolean>;
  /**
   * Spend the same time as a real verification and answer false. Used for unknown users so the
   * response time of a login does not reveal whether the account exists.
   */
  verifyDummy(password: string): Promise<boolean>;
  close(): Promise<void>;
}

type Job = { op: 'hash'; password: string } | { op: 'verify'; hash: string; password: string };
type Answer = { id: number; ok: true; value: string | boolean } | { id: number; ok: false; error: string };

// The worker is plain JavaScript evaluated from a string so it runs the same under tsx, vitest and
// plain node: no TypeScript loader has to reach the worker thread. argon2id in WASM takes ~100 ms
// of CPU per call; doing that on the main thread would stall every WebSocket.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ready = (async () => { const s = require(workerData.sodiumPath); await s.ready; return s; })();
parentPort.on('message', async (job) => {
  try {
    const s = await ready;
    const ops = workerData.cost === 'moderate' ? s.crypto_pwhash_OPSLIMIT_MODERATE : s.crypto_pwhash_OPSLIMIT_INTERACTIVE;
    const mem = workerData.cost === 'moderate' ? s.crypto_pwhash_MEMLIMIT_MODERATE : s.crypto_pwhash_MEMLIMIT_INTERACTIVE;
    let value;
    if (job.op === 'hash') value = s.crypto_pwhash_str(job.password, ops, mem);
    else { try { value = s.crypto_pwhash_str_verify(job.hash, job.password); } catch { value = false; } }
    parentPort.postMessage({ id: job.id, ok: true, value });
  } catch (e) {
    parentPort.postMessage({ id: job.id, ok: false, error: String((e && e.message) || e) });
  }
});
`;

/**
 * Start the password hashing worker(s). The dummy hash for unknown users is computed once here,
 * with the configured cost, so dummy and real verifications cost the same.
 *
 * @example
 * const passwords = await createPasswordHasher('interactive', log);
 * const stored = await passwords.hash('correct horse battery staple');
 * await passwords.verify(stored, 'correct horse battery staple'); // true
 */
export async function createPasswordHasher(
  cost: 'interactive' | 'moderate',
  log: Logger,
  options: { workers?: number } = {},
): Promise<PasswordHasher> {
  const sodiumPath = createRequire(import.meta.url).resolve('libsodium-wrappers-sumo');
  // One worker by default: these machines have few cores and argon2id is memory-hard anyway.
  const count = Math.max(1, options.workers ?? 1);
  const pending = new Map<number, { resolve: (v: string | boolean) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let closed = false;
  // Busy workers keep the process alive (a start-up await must not end with exit code 13);
  // idle ones must not (tests, graceful shutdown): ref while jobs are pending, unref when idle.
  const workers = Array.from({ length: count }, () => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { sodiumPath, cost } });
    const state = { worker, busy: 0 };
    worker.on('message', (answer: Answer) => {
      const p = pending.get(answer.id);
      if (--state.busy === 0) worker.unref();
      if (!p) return;
      pending.delete(answer.id);
      if (answer.ok) p.resolve(answer.value);
      else p.reject(new Error(`password worker: ${answer.error}`));
    });
    worker.on('error', (err) => {
      log.error({ err }, 'password worker failed');
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    });
    worker.unref();
    return state;
  });
  let turn = 0;

  const run = (job: Job): Promise<string | boolean> => {
    if (closed) return Promise.reject(new Error('password hasher is closed'));
    const id = nextId++;
    const state = workers[turn++ % workers.length]!;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      if (state.busy++ === 0) state.worker.ref();
      state.worker.postMessage({ ...job, id });
    });
  };
  const hash = async (password: string) => String(await run({ op: 'hash', password }));
  const verify = async (stored: string, password: string) =>
    (await run({ op: 'verify', hash: stored, password })) === true;

  const dummyHash = await hash(randomBytes(16).toString('base64url'));
  return {
    hash,
    verify,
    async verifyDummy(password) {
      await verify(dummyHash, password);
      return false;
    },
    async close() {
      closed = true;
      await Promise.all(workers.map((w) => w.worker.terminate()));
      for (const p of pending.values()) p.reject(new Error('password hasher is closed'));
      pending.clear();
    },
  };
}
