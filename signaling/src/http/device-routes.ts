import { DeviceRegistration, Id } from '@hypersend/protocol';
import type { Devices } from '../services/devices.ts';
import { HttpError } from './errors.ts';
import { callerOf, defineRoute, type Route } from './router.ts';

/**
 * The device directory: my devices, and the devices of someone I may reach.
 *
 * @example
 * registerRoutes(app, ctx, deviceRoutes({ devices }));
 */
export function deviceRoutes(deps: { devices: Devices }): Route[] {
  const { devices } = deps;
  return [
    defineRoute({
      method: 'post',
      pattern: '/v1/devices',
      auth: true,
      body: DeviceRegistration,
      handle: async (input) => {
        const { device, created } = await devices.register(callerOf(input), input.body);
        return { status: created ? 201 : 200, json: device };
      },
    }),
    defineRoute({
      method: 'get',
      pattern: '/v1/devices',
      auth: true,
      handle: async (input) => ({ status: 200, json: await devices.listMine(callerOf(input)) }),
    }),
    defineRoute({
      method: 'del',
      pattern: '/v1/devices/:deviceId',
      auth: true,
      handle: async (input) => {
        const deviceId = input.req.params.deviceId ?? '';
        if (!Id.safeParse(deviceId).success) throw HttpError.notFound('device not found');
        await devices.remove(callerOf(input), deviceId);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'get',
      pattern: '/v1/users/:username/devices',
      auth: true,
      handle: async (input) => ({
        status: 200,
        json: await devices.listOf(callerOf(input), input.req.params.username ?? ''),
      }),
    }),
  ];
}
