import sodium from 'libsodium-wrappers-sumo';
import { HypersendError } from '../errors.ts';

/** The libsodium API object (sumo build: includes BLAKE2b state functions and Ed25519 seeds). */
export type Sodium = typeof sodium;

let loaded: Sodium | undefined;
let loading: Promise<Sodium> | undefined;

/**
 * Load libsodium once (it compiles WebAssembly asynchronously) and return it. Every function of
 * the SDK that needs libsodium synchronously ({@link sodiumSync}) requires this to have resolved;
 * `loadCryptoBackend()` awaits it for you.
 *
 * @example
 * const na = await loadSodium();
 * na.randombytes_buf(32);
 */
export function loadSodium(): Promise<Sodium> {
  loading ??= sodium.ready.then(() => {
    loaded = sodium;
    return sodium;
  });
  return loading;
}

/**
 * The loaded libsodium, for synchronous code paths (key generation, sealing, key derivation).
 * Synchronous on purpose: hot paths and constructors should not become async just to reach it.
 *
 * @example
 * await loadSodium();
 * const key = sodiumSync().randombytes_buf(32);
 * @throws HypersendError `not_ready` if {@link loadSodium} has not resolved yet.
 */
export function sodiumSync(): Sodium {
  if (loaded === undefined) throw HypersendError.notReady('libsodium');
  return loaded;
}
