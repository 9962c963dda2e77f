// Node only: the device identity in the user's config directory.
import { join } from 'node:path';
import { HypersendError } from '../errors.ts';
import { type IdentityStore, StoredIdentity } from './device-identity.ts';
import { profileDir, readPrivateJson, writePrivateJson } from './private-json-file.ts';

/** Options of {@link IdentityFileStore}. */
export interface IdentityFileStoreOptions {
  /** Profile name: one identity per profile (several accounts or test users on one machine). */
  profile?: string;
  /** Directory to use instead of the XDG config directory of the profile. */
  dir?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Device identity in `$XDG_CONFIG_HOME/hypersend/<profile>/identity.json` (default
 * `~/.config/hypersend/default/identity.json`), directory 0700, file 0600, written atomically.
 * A file that other users can access is refused with `insecure_file`.
 *
 * @example
 * const store = new IdentityFileStore({ profile: 'work' });
 * const me = await loadOrCreateIdentity(store, 'laptop');
 */
export class IdentityFileStore implements IdentityStore {
  /** Full path of the identity file. */
  readonly path: string;

  constructor(options: IdentityFileStoreOptions = {}) {
    this.path = join(options.dir ?? profileDir(options.profile, options.env), 'identity.json');
  }

  async load(): Promise<StoredIdentity | null> {
    const json = await readPrivateJson(this.path);
    if (json === null) return null;
    const parsed = StoredIdentity.safeParse(json);
    if (!parsed.success)
      throw new HypersendError('corrupt_store', `${this.path} is not a Hypersend identity`);
    return parsed.data;
  }

  async save(identity: StoredIdentity): Promise<void> {
    await writePrivateJson(this.path, identity);
  }
}
