import { z } from 'zod';

const Key = z.string().regex(/^[A-Za-z0-9_-]{43}$/);
const Keys = z.object({ x25519: Key, ed25519: Key }).strict();

/** A contact's device as pinned on first use, plus a changed key awaiting the user's decision. */
export const PinnedDevice = z
  .object({
    deviceId: z.string(),
    name: z.string(),
    keys: Keys,
    firstSeen: z.string(),
    /** Keys the server now reports for this device id; while set, sending to it is blocked. */
    pending: Keys.optional(),
  })
  .strict();
/** Parsed {@link PinnedDevice}. */
export type PinnedDevice = z.infer<typeof PinnedDevice>;

/** Everything the key directory remembers, by user id. */
export const PinnedKeys = z
  .object({
    v: z.literal(1),
    users: z.record(
      z.string(),
      z
        .object({ userId: z.string(), username: z.string(), devices: z.record(z.string(), PinnedDevice) })
        .strict(),
    ),
  })
  .strict();
/** Parsed {@link PinnedKeys}. */
export type PinnedKeys = z.infer<typeof PinnedKeys>;

/**
 * Where pinned contact keys are kept. Node: a 0600 file next to the identity
 * ({@link KeyFileStore}); tests and browsers: {@link MemoryKeyStore}.
 *
 * @example
 * const dir = new KeyDirectory({ store: new MemoryKeyStore(), fetchDevices });
 */
export interface KeyStore {
  load(): Promise<PinnedKeys | null>;
  save(keys: PinnedKeys): Promise<void>;
}

/**
 * Pinned keys in memory (tests, browsers for now).
 *
 * @example
 * const store = new MemoryKeyStore();
 */
export class MemoryKeyStore implements KeyStore {
  private value: PinnedKeys | null = null;

  async load(): Promise<PinnedKeys | null> {
    return this.value === null ? null : structuredClone(this.value);
  }

  async save(keys: PinnedKeys): Promise<void> {
    this.value = structuredClone(keys);
  }
}
