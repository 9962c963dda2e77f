// Shared by the in-process engine tests (engine*.test.ts, lifetime.test.ts, ack-durability.test.ts):
// a crypto backend and test identities, fresh source and destination folders per test, and a
// sender/receiver pair over the memory channel. The folders and keys are exported live bindings,
// set by the hooks `useEngineHarness` registers (each test file gets its own copy of this module),
// so test bodies read `src`, `dst`, `backend` and `ids` like locals.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, expect } from 'vitest';
import type { CryptoBackend } from '../crypto/backend.ts';
import { loadCryptoBackend } from '../crypto/backend-node.ts';
import { HypersendError } from '../errors.ts';
import type { FrameChannel } from './frame-channel.ts';
import { decodeFrame } from './framing.ts';
import { IncomingOffer } from './incoming-offer.ts';
import { createMemoryChannelPair } from './memory-channel.ts';
import { type SendInput, TransferSender } from './sender.ts';
import { testIdentities } from './test-support.ts';

export const SMALL_CHUNK = 16 * 1024;
export let backend: CryptoBackend;
export let ids: ReturnType<typeof testIdentities>;
/** This test's source folder. */
export let src: string;
/** This test's destination folder. */
export let dst: string;

/** Register the hooks that set `backend`, `ids`, `src` and `dst` (and remove the folders after each test). */
export function useEngineHarness(): void {
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
}

/** Rewrites a channel (a misbehaving transport or peer). */
export type Wrap = (ch: FrameChannel) => FrameChannel;

/** A sender and a receiver (into `dst`) joined by a memory channel pair; `wrap` rewrites the sender's side. */
export async function start(
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

/** The typed error a transfer ended with, or `undefined` when it succeeded. */
export async function settle(p: Promise<unknown>): Promise<HypersendError | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    if (!HypersendError.is(e)) throw e;
    return e;
  }
}

/** Send `size` random bytes as `f.bin` and check both ends and the output. */
export async function sendFile(size: number, chunkSize?: number): Promise<void> {
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

/** Rewrites the sender's outgoing frames. */
export function tamper(edit: (frame: Uint8Array, out: (f: Uint8Array) => void) => void): Wrap {
  return (ch) => ({
    ...ch,
    send: async (frame) => {
      const outs: Uint8Array[] = [];
      edit(frame, (f) => outs.push(f));
      for (const f of outs) await ch.send(f);
    },
  });
}

/** The index of a CHUNK frame; `undefined` for any other frame. */
export const chunkIndex = (f: Uint8Array): number | undefined => {
  const r = decodeFrame(f);
  return r.ok && r.frame.type === 'chunk' ? r.frame.index : undefined;
};
