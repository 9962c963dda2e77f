// Node only: JSON files that hold secrets (device keys, pinned contact keys).
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { HypersendError } from '../errors.ts';

const PROFILE = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$/;

/**
 * The per-profile config directory: `$XDG_CONFIG_HOME/hypersend/<profile>`, by default
 * `~/.config/hypersend/<profile>` (XDG Base Directory spec).
 *
 * @example
 * profileDir('default'); // '/home/alice/.config/hypersend/default'
 * @throws HypersendError `invalid_argument` for a profile name that is not a plain file name.
 */
export function profileDir(profile = 'default', env: NodeJS.ProcessEnv = process.env): string {
  if (!PROFILE.test(profile) || profile === '.' || profile === '..')
    throw HypersendError.invalidArgument(`profile must be 1-64 of A-Z a-z 0-9 _ . - : ${profile}`);
  const xdg = env.XDG_CONFIG_HOME;
  // The spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const base = xdg?.startsWith('/') ? xdg : join(homedir(), '.config');
  return join(base, 'hypersend', profile);
}

/**
 * Read a secret JSON file, or null when it does not exist. Refuses a file that other users could
 * read or write, or that another user owns: the keys in it may already be compromised, and
 * silently using (or fixing) them would hide that.
 *
 * @example
 * const json = await readPrivateJson('/home/alice/.config/hypersend/default/identity.json');
 * @throws HypersendError `insecure_file` (group/world access or foreign owner), `corrupt_store`.
 */
export async function readPrivateJson(path: string): Promise<unknown> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new HypersendError('io', `cannot read ${path}`, { cause: err });
  }
  if ((info.mode & 0o077) !== 0)
    throw new HypersendError(
      'insecure_file',
      `${path} is accessible by other users (mode ${(info.mode & 0o777).toString(8)}); its keys may be exposed. ` +
        'Run chmod 600 on it if you are sure it was not read, or delete it to make a new device.',
      { details: { path, mode: info.mode & 0o777 } },
    );
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid)
    throw new HypersendError('insecure_file', `${path} is owned by another user`, { details: { path } });
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new HypersendError('corrupt_store', `${path} is not valid JSON`, { cause: err });
  }
}

/**
 * Write a secret JSON file atomically with mode 0600, in a directory created 0700: the content
 * goes to a fresh temporary file opened with `wx` (never follows or reuses an existing file),
 * is fsynced, then renamed over the target, so readers see the old or the new file, never half.
 *
 * @example
 * await writePrivateJson(join(profileDir('default'), 'identity.json'), stored);
 */
export async function writePrivateJson(path: string, value: unknown): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode is masked by the umask and ignored for an existing directory: set it explicitly.
  await chmod(dir, 0o700);
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await handle.close();
  await rename(tmp, path);
  // Make the rename itself durable; not every platform can fsync a directory, so best effort.
  const dirHandle = await open(dir, 'r').catch(() => undefined);
  await dirHandle?.sync().catch(() => {});
  await dirHandle?.close();
}
