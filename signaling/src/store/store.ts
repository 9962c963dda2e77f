import type { ContactState } from '@hypersend/protocol';

/**
 * The metadata store seam. Two implementations pass one contract suite
 * (`signaling/src/store/store.contract.ts`): MongoDB (`mongo-store.ts`) and the embedded
 * default, SQLite (`sqlite-store.ts`). Business rules live in services above this interface;
 * the store only persists records and offers the few atomic operations the rules need.
 *
 * Every id passed in has already been validated as an `Id` (see `@hypersend/protocol`);
 * implementations still call `assertSafeValue` on inputs, so a caller bug cannot turn a value
 * into a query operator.
 *
 * Times are epoch milliseconds (numbers) throughout.
 */
export interface Store {
  /** Which implementation this is, for logs and `/readyz`. */
  readonly kind: 'mongodb' | 'sqlite';

  /** Create a user. Rejects with `StoreConflictError` when the username is taken. */
  createUser(user: UserRecord): Promise<void>;
  getUserById(id: string): Promise<UserRecord | null>;
  getUserByUsername(username: string): Promise<UserRecord | null>;
  /** Create the user if no user has this id (tokens from an external identity provider). */
  ensureUser(user: UserRecord): Promise<UserRecord>;

  insertRefreshToken(token: RefreshTokenRecord): Promise<void>;
  /**
   * Atomically mark the token with this hash as used and return what it was before.
   * `reused`: it had been used already (the caller revokes the family);
   * `revoked`/`expired`: present but not valid; `missing`: unknown hash.
   */
  consumeRefreshToken(tokenHash: string, now: number): Promise<ConsumeResult>;
  /** Revoke every token of a family (logout, reuse detection). Returns how many were revoked. */
  revokeRefreshFamily(familyId: string): Promise<number>;

  /** Insert or replace a device (same user and id). Returns the previous record, if any. */
  putDevice(device: DeviceRecord): Promise<DeviceRecord | null>;
  getDevice(userId: string, deviceId: string): Promise<DeviceRecord | null>;
  listDevices(userId: string): Promise<DeviceRecord[]>;
  deleteDevice(userId: string, deviceId: string): Promise<boolean>;

  /** One direction of a contact relationship: what `userId` sees about `peerId`. */
  getContactEdge(userId: string, peerId: string): Promise<ContactEdge | null>;
  putContactEdge(edge: ContactEdge): Promise<void>;
  deleteContactEdge(userId: string, peerId: string): Promise<boolean>;
  listContactEdges(userId: string): Promise<ContactEdge[]>;

  /** Cheap round trip used by `/readyz`. Rejects when the store cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface UserRecord {
  id: string;
  /** Lowercase, unique. */
  username: string;
  displayName: string;
  /** Encoded password hash (libsodium `crypto_pwhash_str`), or null for external-identity users. */
  passwordHash: string | null;
  createdAt: number;
}

export interface RefreshTokenRecord {
  /** SHA-256 of the opaque token, hex. The token itself is never stored. */
  tokenHash: string;
  familyId: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  revoked: boolean;
}

export type ConsumeResult =
  | { status: 'ok'; token: RefreshTokenRecord }
  | { status: 'reused'; token: RefreshTokenRecord }
  | { status: 'revoked'; token: RefreshTokenRecord }
  | { status: 'expired'; token: RefreshTokenRecord }
  | { status: 'missing' };

export interface DeviceRecord {
  userId: string;
  deviceId: string;
  name: string;
  /** base64url public keys */
  x25519: string;
  ed25519: string;
  createdAt: number;
  updatedAt: number;
}

export interface ContactEdge {
  userId: string;
  peerId: string;
  state: ContactState;
  updatedAt: number;
}

/** The username (or another unique key) is taken. */
export class StoreConflictError extends Error {
  readonly code = 'conflict';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreConflictError';
  }
}

/** A value that could be read as a query operator or a non-string id reached the store. */
export class UnsafeStoreInputError extends Error {
  readonly code = 'bad_request';
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeStoreInputError';
  }
}
