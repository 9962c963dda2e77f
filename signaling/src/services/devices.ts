import type { DeviceInfo, DeviceList, DeviceRegistration } from '@hypersend/protocol';
import { Username } from '@hypersend/protocol';
import type { Logger } from 'pino';
import type { Clock, Relationships } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import type { DeviceRecord, Store } from '../store/store.ts';

/** Most devices one user may register: enough for people, small enough to bound fan-out. */
export const MAX_DEVICES_PER_USER = 32;

/** Device registration and the public-key directory. */
export interface Devices {
  /** `created` is false when an existing device was updated (possibly with new keys). */
  register(userId: string, reg: DeviceRegistration): Promise<{ device: DeviceInfo; created: boolean }>;
  listMine(userId: string): Promise<DeviceList>;
  remove(userId: string, deviceId: string): Promise<void>;
  /** 404 for a missing user and for one the caller may not reach, with the same body. */
  listOf(callerId: string, username: string): Promise<DeviceList>;
}

/** Store record → wire shape. */
export function toDeviceInfo(d: DeviceRecord): DeviceInfo {
  return {
    deviceId: d.deviceId,
    name: d.name,
    x25519: d.x25519,
    ed25519: d.ed25519,
    createdAt: new Date(d.createdAt).toISOString(),
    updatedAt: new Date(d.updatedAt).toISOString(),
  };
}

/**
 * @example
 * const devices = createDevices({ store, relationships, clock, log });
 * await devices.register(userId, { deviceId: 'laptop', name: 'Laptop', x25519, ed25519 });
 */
export function createDevices(deps: {
  store: Store;
  relationships: Relationships;
  clock: Clock;
  log: Logger;
}): Devices {
  const { store, relationships, clock, log } = deps;
  const notFound = () => HttpError.notFound('user not found');
  return {
    async register(userId, reg) {
      const existing = await store.getDevice(userId, reg.deviceId);
      if (!existing && (await store.listDevices(userId)).length >= MAX_DEVICES_PER_USER)
        throw HttpError.conflict(`at most ${MAX_DEVICES_PER_USER} devices per user`);
      const now = clock.now();
      const record: DeviceRecord = {
        userId,
        deviceId: reg.deviceId,
        name: reg.name,
        x25519: reg.x25519,
        ed25519: reg.ed25519,
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
      };
      const previous = await store.putDevice(record);
      if (previous && (previous.x25519 !== reg.x25519 || previous.ed25519 !== reg.ed25519)) {
        // Peers will see new fingerprints; the log is the operator's trail of who changed keys.
        log.warn({ userId, deviceId: reg.deviceId }, 'device key change');
      }
      return { device: toDeviceInfo(record), created: previous === null };
    },
    async listMine(userId) {
      return { userId, devices: (await store.listDevices(userId)).map(toDeviceInfo) };
    },
    async remove(userId, deviceId) {
      if (!(await store.deleteDevice(userId, deviceId))) throw HttpError.notFound('device not found');
    },
    async listOf(callerId, username) {
      if (!Username.safeParse(username).success) throw notFound();
      const user = await store.getUserByUsername(username);
      if (!user) throw notFound();
      if (user.id !== callerId && !(await relationships.canReach(callerId, user.id))) throw notFound();
      return { userId: user.id, devices: (await store.listDevices(user.id)).map(toDeviceInfo) };
    },
  };
}
