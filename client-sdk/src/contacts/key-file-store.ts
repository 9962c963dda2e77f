// Node only: pinned contact keys next to the device identity.
import { join } from 'node:path';
import { HypersendError } from '../errors.ts';
import { profileDir, readPrivateJson, writePrivateJson } from '../identity/private-json-file.ts';
import { type KeyStore, PinnedKeys } from './key-store.ts';

/** Options of {@link KeyFileStore}. */
export interface KeyFileStoreOptions {
  profile?: string;
  /** Directory to use instead of the XDG config directory of the profile. */
  dir?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Pinned contact keys in `$XDG_CONFIG_HOME/hypersend/<profile>/contacts.json`, 0600. Public keys
 * only, but an attacker who could rewrite this file could silence key-change warnings, so it gets
 * the same protection as the identity.
 *
 * @example
 * const keys = new KeyDirectory({ store: new KeyFileStore({ profile: 'work' }), fetchDevices });
 */
export class KeyFileStore implements KeyStore {
  /** Full path of the file. */
  readonly path: string;

  constructor(options: KeyFileStoreOptions = {}) {
    this.path = join(options.dir ?? profileDir(options.profile, options.env), 'contacts.json');
  }

  async load(): Promise<PinnedKeys | null> {
    const json = await readPrivateJson(this.path);
    if (json === null) return null;
    const parsed = PinnedKeys.safeParse(json);
    if (!parsed.success)
      throw new HypersendError('corrupt_store', `${this.path} is not a Hypersend key file`);
    return parsed.data;
  }

  async save(keys: PinnedKeys): Promise<void> {
    await writePrivateJson(this.path, keys);
  }
}
