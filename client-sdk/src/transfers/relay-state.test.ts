// The sender's relay upload record: a v2 record keeps the header bytes the upload began with (the
// fan-out's seals are randomized, so a restarted sender must not re-seal); a v1 record from before
// the fan-out still loads, without a header.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deleteRelayState, loadRelayState, saveRelayState } from './relay-state.ts';

const uploadPath = '/v1/uploads/AAAAAAAAAAAAAAAAAAAAAA';
let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('relay upload record', () => {
  it('keeps the exact header bytes (v2) and forgets on delete', async () => {
    dir = await mkdtemp(join(tmpdir(), 'hs-relay-state-'));
    const header = new Uint8Array(randomBytes(5000));
    await saveRelayState(dir, 't_abc', { uploadPath, firstChunk: 3, header });
    expect((await stat(join(dir, 't_abc.relay.json'))).mode & 0o777).toBe(0o600);
    const loaded = await loadRelayState(dir, 't_abc');
    expect(loaded?.uploadPath).toBe(uploadPath);
    expect(loaded?.firstChunk).toBe(3);
    expect(Buffer.from(loaded?.header ?? []).equals(Buffer.from(header))).toBe(true);
    await deleteRelayState(dir, 't_abc');
    expect(await loadRelayState(dir, 't_abc')).toBeUndefined();
  });

  it('still loads a v1 record (no header) and treats a malformed one as none', async () => {
    dir = await mkdtemp(join(tmpdir(), 'hs-relay-state-'));
    await writeFile(join(dir, 't_old.relay.json'), JSON.stringify({ v: 1, uploadPath, firstChunk: 0 }));
    expect(await loadRelayState(dir, 't_old')).toEqual({ uploadPath, firstChunk: 0 });
    await saveRelayState(dir, 't_v1', { uploadPath, firstChunk: 1 });
    expect(JSON.parse(await readFile(join(dir, 't_v1.relay.json'), 'utf8'))).toEqual({
      v: 1,
      uploadPath,
      firstChunk: 1,
    });
    for (const bad of [
      { v: 2, uploadPath, firstChunk: 0 }, // v2 without its header
      { v: 2, uploadPath, firstChunk: 0, header: 'not base64url!' },
      { v: 3, uploadPath, firstChunk: 0, header: 'AA' },
    ]) {
      await writeFile(join(dir, 't_bad.relay.json'), JSON.stringify(bad));
      expect(await loadRelayState(dir, 't_bad')).toBeUndefined();
    }
  });
});
