import { mkdir, readdir, realpath, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveInside } from './resolve-inside.ts';
import { tempDir } from './test-support.ts';

let root: string;
let outside: string;
const cleanups: Array<() => Promise<void>> = [];
beforeEach(async () => {
  const a = await tempDir();
  const b = await tempDir();
  root = await realpath(a.dir);
  outside = b.dir;
  cleanups.push(a.cleanup, b.cleanup);
});
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('resolveInside', () => {
  it('creates missing folders inside the root', async () => {
    expect(await resolveInside(root, ['a', 'b', 'c.txt'], { createDirs: true })).toBe(
      join(root, 'a', 'b', 'c.txt'),
    );
    expect(await readdir(join(root, 'a'))).toEqual(['b']);
  });

  it('refuses a symlinked folder that points outside, even nested, and creates nothing there', async () => {
    await mkdir(join(root, 'sub'));
    await symlink(outside, join(root, 'sub', 'evil'));
    await expect(resolveInside(root, ['sub', 'evil', 'x'], { createDirs: true })).rejects.toMatchObject({
      code: 'path_escape',
    });
    await expect(
      resolveInside(root, ['sub', 'evil', 'deeper', 'x'], { createDirs: true }),
    ).rejects.toMatchObject({
      code: 'path_escape',
    });
    expect(await readdir(outside)).toEqual([]);
  });

  it('allows a symlinked folder that stays inside', async () => {
    await mkdir(join(root, 'real'));
    await symlink(join(root, 'real'), join(root, 'alias'));
    expect(await resolveInside(root, ['alias', 'x'])).toBe(join(root, 'real', 'x'));
  });

  it('refuses a file used as a folder and unsafe segments', async () => {
    await writeFile(join(root, 'f'), '');
    await expect(resolveInside(root, ['f', 'x'])).rejects.toMatchObject({ code: 'not_a_directory' });
    for (const bad of [['..', 'x'], ['a/b'], ['a\\b'], ['.'], ['']]) {
      await expect(resolveInside(root, bad)).rejects.toMatchObject({ code: 'unsafe_path' });
    }
  });
});
