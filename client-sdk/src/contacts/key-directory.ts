import type { DeviceList } from '@hypersend/protocol';
import { safetyNumber } from '../crypto/keys.ts';
import { loadSodium } from '../crypto/sodium.ts';
import { fromBase64Url } from '../encoding.ts';
import { HypersendError } from '../errors.ts';
import { Emitter } from '../events.ts';
import type { KeyStore, PinnedDevice, PinnedKeys } from './key-store.ts';

/** Public keys of one device, base64url. */
export interface DeviceKeys {
  x25519: string;
  ed25519: string;
}

/** A contact's device as the directory reports it. */
export interface ContactDevice extends DeviceKeys {
  userId: string;
  username: string;
  deviceId: string;
  name: string;
  /** True while a changed key awaits {@link KeyDirectory.acceptKeyChange}; sending is refused. */
  blocked: boolean;
}

/** Events of a {@link KeyDirectory}. */
export type KeyDirectoryEvents = {
  /** A known contact has a new device (recorded and trusted on first use). */
  'device-added': { userId: string; username: string; deviceId: string; name: string };
  /**
   * A known device id now presents different keys. The device is blocked until the user
   * compares safety numbers and calls `acceptKeyChange`.
   */
  'key-changed': {
    userId: string;
    username: string;
    deviceId: string;
    previous: DeviceKeys;
    current: DeviceKeys;
  };
};

/** Options of {@link KeyDirectory}. */
export interface KeyDirectoryOptions {
  store: KeyStore;
  /** `GET /v1/users/:username/devices` (normally `HttpApi.devicesOf`). */
  fetchDevices(username: string): Promise<DeviceList>;
  /** This device's user id and public keys, for safety numbers; undefined before login. */
  self(): { userId: string; keys: DeviceKeys } | undefined;
  now?(): Date;
}

const sameKeys = (a: DeviceKeys, b: DeviceKeys) => a.x25519 === b.x25519 && a.ed25519 === b.ed25519;

/**
 * Trust-on-first-use directory of contacts' device keys. The first keys seen for a device are
 * pinned; a new device of a known contact raises `device-added`; different keys for a known device
 * id raise `key-changed` and block that device ({@link assertSendable} throws `key_changed`) until
 * {@link acceptKeyChange}. Keys are compared as canonical base64url strings (the protocol allows
 * one encoding per key), so string equality is byte equality.
 *
 * @example
 * const keys = new KeyDirectory({ store, fetchDevices: (u) => api.devicesOf(u), self: () => me });
 * keys.on('key-changed', (e) => warnUser(e.username, e.deviceId));
 * const devices = await keys.getDevices('bob');
 * keys.assertSendable(devices[0].userId, devices[0].deviceId);
 */
export class KeyDirectory extends Emitter<KeyDirectoryEvents> {
  private state: PinnedKeys | undefined;
  private loading: Promise<PinnedKeys> | undefined;
  // Updates are serialized so two concurrent lookups cannot overwrite each other's pins.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: KeyDirectoryOptions) {
    super();
  }

  /**
   * Load the pinned keys from the store (idempotent). Synchronous checks need this first.
   *
   * @example
   * await keys.ready();
   * keys.isBlocked(bobId, bobPhone);
   */
  ready(): Promise<PinnedKeys> {
    this.loading ??= this.options.store.load().then((stored) => {
      this.state = stored ?? { v: 1, users: {} };
      return this.state;
    });
    return this.loading;
  }

  /**
   * `username`'s devices from the server, checked against the pins: unknown user → all pinned
   * silently (first use); new device of a known user → pinned, `device-added`; changed keys →
   * recorded as pending, `key-changed`, device blocked. Devices that disappeared keep their pin,
   * so a device id that comes back with other keys is still a key change.
   *
   * @example
   * for (const d of await keys.getDevices('bob')) if (!d.blocked) offerTo(d);
   */
  getDevices(username: string): Promise<ContactDevice[]> {
    return this.serialized(async () => {
      const list = await this.options.fetchDevices(username);
      const state = await this.ready();
      const known = state.users[list.userId];
      const user = known ?? { userId: list.userId, username, devices: {} };
      user.username = username;
      const now = (this.options.now?.() ?? new Date()).toISOString();
      const added: PinnedDevice[] = [];
      const changed: Array<{ pin: PinnedDevice; current: DeviceKeys }> = [];
      for (const d of list.devices) {
        const current = { x25519: d.x25519, ed25519: d.ed25519 };
        const pin = user.devices[d.deviceId];
        if (pin === undefined) {
          const fresh: PinnedDevice = { deviceId: d.deviceId, name: d.name, keys: current, firstSeen: now };
          user.devices[d.deviceId] = fresh;
          if (known !== undefined) added.push(fresh);
        } else if (sameKeys(pin.keys, current)) {
          // Back to the pinned keys (e.g. a rogue registration was undone): nothing to accept any more.
          delete pin.pending;
          pin.name = d.name;
        } else if (pin.pending === undefined || !sameKeys(pin.pending, current)) {
          pin.pending = current;
          changed.push({ pin, current });
        }
      }
      state.users[list.userId] = user;
      await this.options.store.save(state);
      for (const pin of added)
        this.emit('device-added', { userId: user.userId, username, deviceId: pin.deviceId, name: pin.name });
      for (const { pin, current } of changed)
        this.emit('key-changed', {
          userId: user.userId,
          username,
          deviceId: pin.deviceId,
          previous: { ...pin.keys },
          current: { ...current },
        });
      return list.devices.map((d) => ({
        userId: user.userId,
        username,
        deviceId: d.deviceId,
        name: d.name,
        x25519: d.x25519,
        ed25519: d.ed25519,
        blocked: user.devices[d.deviceId]?.pending !== undefined,
      }));
    });
  }

  /**
   * True while `device` of `user` (user id or username) has an unaccepted key change.
   *
   * @example
   * if (keys.isBlocked('bob', 'd_phone')) showWarning();
   * @throws HypersendError `not_ready` before {@link ready} resolved.
   */
  isBlocked(user: string, device: string): boolean {
    return this.pin(user, device)?.pending !== undefined;
  }

  /**
   * Throw unless sending to `device` of `user` is allowed: the device must be known (looked up
   * with {@link getDevices}) and have no unaccepted key change.
   *
   * @example
   * keys.assertSendable(bob.userId, bobPhone);
   * @throws HypersendError `key_changed` (blocked), `not_found` (never looked up), `not_ready`.
   */
  assertSendable(user: string, device: string): void {
    const pin = this.pin(user, device);
    if (pin === undefined)
      throw new HypersendError(
        'not_found',
        `unknown device ${user}/${device}: look up the contact's devices first`,
      );
    if (pin.pending !== undefined) throw HypersendError.keyChanged(`${user}/${device}`);
  }

  /**
   * Throw `key_changed` if `device` is blocked; unknown devices pass. The gate the signaling client
   * applies to every signal (answers to incoming offers go to devices not yet looked up).
   *
   * @example
   * signaling = new SignalingClient({ ..., beforeSend: (to) => keys.assertNotBlocked(to.user, to.device) });
   */
  assertNotBlocked(user: string, device: string): void {
    if (this.state === undefined) return;
    if (this.pin(user, device)?.pending !== undefined) throw HypersendError.keyChanged(`${user}/${device}`);
  }

  /**
   * The user has verified the new key (safety number compared): pin it and unblock the device.
   *
   * @example
   * keys.on('key-changed', async (e) => { if (await confirm(e)) await keys.acceptKeyChange(e.userId, e.deviceId); });
   * @throws HypersendError `not_found` when there is no pending change for that device.
   */
  acceptKeyChange(user: string, device: string): Promise<void> {
    return this.serialized(async () => {
      const state = await this.ready();
      const pin = this.pin(user, device);
      if (pin?.pending === undefined)
        throw new HypersendError('not_found', `no pending key change for ${user}/${device}`);
      pin.keys = pin.pending;
      delete pin.pending;
      await this.options.store.save(state);
    });
  }

  /**
   * The 60-digit safety number between this device and one of `username`'s devices, to compare
   * out of band. While a key change is pending it is computed over the NEW keys: that is what
   * the user must verify before accepting. `deviceId` may be omitted when the user has one device.
   *
   * @example
   * const sn = await keys.safetyNumber('bob'); // '12345 67890 ...'
   * @throws HypersendError `invalid_argument` (several devices, none chosen), `not_found`, `not_authenticated`.
   */
  async safetyNumber(username: string, deviceId?: string): Promise<string> {
    const self = this.options.self();
    if (self === undefined) throw new HypersendError('not_authenticated', 'log in and connect first');
    const devices = await this.getDevices(username);
    const pins = Object.values(this.findUser(username)?.devices ?? {});
    const candidates = pins.filter((p) => devices.some((d) => d.deviceId === p.deviceId));
    let pin: PinnedDevice | undefined;
    if (deviceId !== undefined) pin = candidates.find((p) => p.deviceId === deviceId);
    else if (candidates.length > 1)
      throw HypersendError.invalidArgument(`${username} has ${candidates.length} devices: pass a deviceId`);
    else pin = candidates[0];
    if (pin === undefined) throw new HypersendError('not_found', `no such device of ${username}`);
    const theirUserId = devices[0]?.userId ?? '';
    await loadSodium();
    const bytes = (k: DeviceKeys) => ({ x25519: fromBase64Url(k.x25519), ed25519: fromBase64Url(k.ed25519) });
    return safetyNumber(
      { keys: bytes(self.keys), id: self.userId },
      { keys: bytes(pin.pending ?? pin.keys), id: theirUserId },
    );
  }

  private pin(user: string, device: string): PinnedDevice | undefined {
    return this.findUser(user)?.devices[device];
  }

  private findUser(user: string): PinnedKeys['users'][string] | undefined {
    const state = this.state;
    if (state === undefined)
      throw new HypersendError('not_ready', 'key directory not loaded: await keys.ready()');
    return state.users[user] ?? Object.values(state.users).find((u) => u.username === user);
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }
}
