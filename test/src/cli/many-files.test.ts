// The real `hypersend` CLI sends a folder of 400 files: its offer (encrypted manifest) is larger
// than one signaling frame (64 KiB), so it travels as `offer-part` transfer controls and is
// joined by the receiver (client-sdk/src/transfer/offer-parts.ts). Every file arrives intact.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_WS_PAYLOAD_BYTES } from '@hypersend/protocol';
import { describe, expect, it } from 'vitest';
import { useBefriendedPair } from './cli-harness.ts';

const FILES = 400;

const pair = useBefriendedPair('alice', 'bob');

describe('an offer larger than one signaling frame', () => {
  it(`sends a folder of ${FILES} files (offer in parts) byte-identical`, async () => {
    const root = join(pair.a.home, 'many');
    const contents = new Map<string, Buffer>();
    for (let i = 0; i < FILES; i++) {
      const rel = `sub-${i % 10}/a-rather-long-file-name-to-fill-the-manifest-${String(i).padStart(4, '0')}.dat`;
      const data = randomBytes(i % 7 === 0 ? 0 : 1 + (i % 300));
      await mkdir(join(root, `sub-${i % 10}`), { recursive: true });
      await writeFile(join(root, rel), data);
      contents.set(rel, data);
    }
    const dir = await mkdtemp(join(pair.b.home, 'in-'));
    const rx = pair.b.spawn(['receive', '--yes', '--dir', dir, '--json'], { timeoutMs: 170_000 });
    await rx.waitFor(/"event":"ready"/u);
    const tx = await pair.a.run(['send', root, '--to', pair.b.username, '--json'], { timeoutMs: 170_000 });
    expect(tx.code, tx.stderr).toBe(0);
    const r = await rx.done;
    expect(r.code, r.stderr).toBe(0);

    // The offer really was bigger than a frame: the receiver's offer event lists every file.
    const offer = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { event: string; files?: unknown[] })
      .find((e) => e.event === 'offer');
    expect(offer?.files).toHaveLength(FILES);
    expect(JSON.stringify(offer).length).toBeGreaterThan(MAX_WS_PAYLOAD_BYTES / 2);

    for (const [rel, data] of contents)
      expect(Buffer.compare(await readFile(join(dir, 'many', rel)), data)).toBe(0);
    expect((await readdir(join(dir, 'many'))).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `sub-${i}`),
    );
  }, 180_000);
});
