/**
 * Where frames addressed to a device go. Today every device is connected to this process
 * (`createLocalBus`); a shared implementation (Redis, NATS) can later fan frames out across
 * several signaling nodes without the router or presence code changing.
 */
export interface Bus {
  /**
   * Hand a ready-to-send frame to the connection of `deviceKey` (`<userId>/<deviceId>`).
   * Returns true when a connection in this process took it; false when no connection here
   * has that key or it refused the frame (e.g. too much backpressure).
   */
  publish(deviceKey: string, frame: Frame): boolean;
  /**
   * Receive frames for `deviceKey`. One subscriber per key: a later subscription replaces
   * the earlier one (a reconnecting device replaces its old connection). The returned
   * function removes this subscription only if it is still the current one.
   */
  subscribe(deviceKey: string, handler: BusHandler): () => void;
}

/** A ready-to-send text frame: a string, or its UTF-8 bytes. */
export type Frame = string | Uint8Array;

/** Delivers one frame; returns false when the frame could not be written. */
export type BusHandler = (frame: Frame) => boolean;

/**
 * In-process bus: a map lookup and a direct call, so the hot path costs no allocation.
 *
 * @example
 * const bus = createLocalBus();
 * const off = bus.subscribe('u1/d1', (frame) => ws.send(frame) !== 2);
 * bus.publish('u1/d1', '{"type":"signal",...}'); // true
 * off();
 */
export function createLocalBus(): Bus {
  const handlers = new Map<string, BusHandler>();
  return {
    publish(deviceKey, frame) {
      const handler = handlers.get(deviceKey);
      return handler === undefined ? false : handler(frame);
    },
    subscribe(deviceKey, handler) {
      handlers.set(deviceKey, handler);
      return () => {
        if (handlers.get(deviceKey) === handler) handlers.delete(deviceKey);
      };
    },
  };
}

/** The bus key of one device. Ids cannot contain `/`, so the key is unambiguous. */
export function deviceKey(userId: string, deviceId: string): string {
  return `${userId}/${deviceId}`;
}
