// The notice service's rules for a fanned-out relay object: one notice per recipient device, the
// recipient user deletes any of them (a picking-up device clears its siblings'), nobody else can,
// and the pending limit counts every device's notice (default: 100 objects × 16 devices).
import type { RelayNoticeCreate } from '@hypersend/protocol';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpError } from '../http/errors.ts';
import { createNoticeService, DEFAULT_NOTICE_LIMITS, type NoticeService } from './notice-service.ts';
import { createSqliteNoticeStore } from './sqlite-notice-store.ts';

const DEVICES: Record<string, string[]> = { u_alice: ['d_a1'], u_bob: ['d_b1', 'd_b2'], u_eve: ['d_e1'] };
const services: NoticeService[] = [];
afterEach(() => {
  for (const s of services.splice(0)) s.close();
});

function service(limits: { maxPendingPerRecipient?: number } = {}): {
  notices: NoticeService;
  pushed: string[];
} {
  const pushed: string[] = [];
  const notices = createNoticeService({
    notices: createSqliteNoticeStore({ path: ':memory:' }),
    store: {
      getDevice: async (user: string, device: string) =>
        DEVICES[user]?.includes(device) ? ({ deviceId: device } as never) : null,
    },
    relationships: { canReach: async (a: string, b: string) => a !== 'u_eve' && b !== 'u_eve' },
    clock: { now: () => 1_000_000 },
    log: pino({ level: 'silent' }),
    push: (user, device) => {
      pushed.push(`${user}/${device}`);
      return true;
    },
    limits,
  });
  services.push(notices);
  return { notices, pushed };
}

const objectId = 'Q2lwaGVydGV4dE9ubHlfXw';
const toBob = (device: string, transferId = 't_fan'): RelayNoticeCreate => ({
  to: { user: 'u_bob', device },
  senderDevice: 'd_a1',
  transferId,
  objectId,
  size: 4096,
  expiresAt: 2_000_000,
});

async function status(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 0;
  } catch (err) {
    if (err instanceof HttpError) return err.status;
    throw err;
  }
}

describe('relay notices for a fanned-out object', () => {
  it('one notice per device, each pushed to its device; any of bob’s devices clears them all, eve none', async () => {
    const { notices, pushed } = service();
    const a = await notices.create('u_alice', toBob('d_b1'));
    const b = await notices.create('u_alice', toBob('d_b2'));
    expect(pushed).toEqual(['u_bob/d_b1', 'u_bob/d_b2']);
    // Same createdAt (a fixed clock): the tie is broken by the random id, so compare as a set.
    expect((await notices.list('u_bob')).map((n) => n.to.device).sort()).toEqual(['d_b1', 'd_b2']);
    expect(await status(notices.acknowledge('u_eve', b.id))).toBe(404);
    await notices.acknowledge('u_bob', a.id); // device 1's own
    await notices.acknowledge('u_bob', b.id); // its sibling's, deleted by the same user
    expect(await notices.list('u_bob')).toEqual([]);
    expect(await status(notices.acknowledge('u_bob', b.id))).toBe(404);
  });

  it('lists one of the caller’s devices by id; any device that is not the caller’s is the same 404', async () => {
    const { notices } = service();
    const a = await notices.create('u_alice', toBob('d_b1'));
    const b = await notices.create('u_alice', toBob('d_b2'));
    expect((await notices.listForDevice('u_bob', 'd_b1')).map((n) => n.id)).toEqual([a.id]);
    // A sibling device lists the other's too: the token names the user, who owns both.
    expect((await notices.listForDevice('u_bob', 'd_b2')).map((n) => n.id)).toEqual([b.id]);
    const refusals = await Promise.all(
      [
        notices.listForDevice('u_eve', 'd_b1'), // someone else's device
        notices.listForDevice('u_bob', 'd_e1'), // eve's device, asked by bob
        notices.listForDevice('u_bob', 'd_nope'), // no such device
      ].map((p) =>
        p.then(
          () => 'listed',
          (err: unknown) =>
            err instanceof HttpError ? JSON.stringify([err.status, err.toBody()]) : String(err),
        ),
      ),
    );
    expect(new Set(refusals).size).toBe(1);
    expect(refusals[0]).toContain('404');
  });

  it('counts every device’s notice against the recipient’s pending limit; the default fits 100 objects on 16 devices', async () => {
    expect(DEFAULT_NOTICE_LIMITS.maxPendingPerRecipient).toBe(100 * 16);
    const { notices } = service({ maxPendingPerRecipient: 3 });
    await notices.create('u_alice', toBob('d_b1', 't_1'));
    await notices.create('u_alice', toBob('d_b2', 't_1'));
    await notices.create('u_alice', toBob('d_b1', 't_2'));
    expect(await status(notices.create('u_alice', toBob('d_b2', 't_2')))).toBe(429);
    // A device that does not exist is unreachable, as before.
    expect(await status(notices.create('u_alice', toBob('d_nope')))).toBe(404);
  });
});
