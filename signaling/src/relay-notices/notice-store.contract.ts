import type { RelayNotice } from '@hypersend/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { RelayNoticeStore } from './notice-store.ts';

let seq = 0;
function notice(to: string, over: Partial<RelayNotice> = {}): RelayNotice {
  seq++;
  return {
    id: `n_${seq}_${Math.random().toString(36).slice(2, 8)}`,
    from: { user: 'u_alice', device: 'd_a1' },
    to: { user: to, device: 'd_b1' },
    transferId: `t_${seq}`,
    objectId: 'AAAAAAAAAAAAAAAAAAAAAA',
    size: 1234,
    createdAt: 1_000 + seq,
    expiresAt: 10_000,
    ...over,
  };
}

/**
 * One suite for every {@link RelayNoticeStore} implementation (SQLite file, SQLite memory,
 * MongoDB), so they accept and answer exactly the same.
 */
export function describeNoticeStoreContract(name: string, open: () => Promise<RelayNoticeStore>): void {
  describe(`relay notice store contract: ${name}`, () => {
    const opened: RelayNoticeStore[] = [];
    const fresh = async () => {
      const s = await open();
      opened.push(s);
      return s;
    };
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
    });

    it('lists only the recipient’s unexpired notices, oldest first, bounded by limit', async () => {
      const s = await fresh();
      const bob = `u_bob_${seq}`;
      const a = notice(bob, { createdAt: 2_000 });
      const b = notice(bob, { createdAt: 1_500 });
      const expired = notice(bob, { expiresAt: 3_000 });
      const other = notice(`u_carol_${seq}`);
      for (const n of [a, b, expired, other]) expect(await s.insert(n)).toBe(true);
      expect((await s.listFor(bob, 5_000, 10)).map((n) => n.id)).toEqual([b.id, a.id]);
      expect(await s.listFor(bob, 5_000, 1)).toEqual([b]);
      expect(await s.countFor(bob, 5_000)).toBe(2);
      expect(await s.countFor(bob, 2_000)).toBe(3);
      expect(await s.listFor('u_nobody', 5_000, 10)).toEqual([]);
    });

    it('lists one device’s unexpired notices only, oldest first, bounded by limit', async () => {
      const s = await fresh();
      const bob = `u_bob_${seq}`;
      const toB2 = (over: Partial<RelayNotice> = {}) =>
        notice(bob, { to: { user: bob, device: 'd_b2' }, ...over });
      // Inserted newest first, so the order comes from createdAt, not insertion.
      const late = toB2({ createdAt: 3_000 });
      const early = toB2({ createdAt: 1_200 });
      const expired = toB2({ createdAt: 1_100, expiresAt: 3_000 });
      const sibling = notice(bob, { createdAt: 1_000 }); // d_b1, same user, older than all
      const sameDeviceIdOtherUser = notice(`u_carol_${seq}`, {
        to: { user: `u_carol_${seq}`, device: 'd_b2' },
      });
      for (const n of [late, early, expired, sibling, sameDeviceIdOtherUser])
        expect(await s.insert(n)).toBe(true);
      expect((await s.listForDevice(bob, 'd_b2', 5_000, 10)).map((n) => n.id)).toEqual([early.id, late.id]);
      expect(await s.listForDevice(bob, 'd_b2', 5_000, 1)).toEqual([early]);
      expect((await s.listForDevice(bob, 'd_b2', 2_000, 10)).map((n) => n.id)).toEqual([
        expired.id,
        early.id,
        late.id,
      ]);
      expect(await s.listForDevice(bob, 'd_b1', 5_000, 10)).toEqual([sibling]);
      expect(await s.listForDevice(bob, 'd_none', 5_000, 10)).toEqual([]);
      // The unfiltered listing still sees every device's.
      expect(await s.listFor(bob, 5_000, 10)).toHaveLength(3);
    });

    it('caps one device’s listing even when it alone holds more than the limit', async () => {
      const s = await fresh();
      const bob = `u_bob_${seq}`;
      const mine = Array.from({ length: 12 }, (_, i) =>
        notice(bob, { to: { user: bob, device: 'd_b3' }, createdAt: 1_000 + i }),
      );
      // A sibling device's notices, all older: an unfiltered listing capped at 10 would show none of d_b3's.
      for (let i = 0; i < 10; i++) await s.insert(notice(bob, { createdAt: 100 + i }));
      for (const n of [...mine].reverse()) await s.insert(n);
      expect((await s.listFor(bob, 5_000, 10)).some((n) => n.to.device === 'd_b3')).toBe(false);
      expect((await s.listForDevice(bob, 'd_b3', 5_000, 10)).map((n) => n.id)).toEqual(
        mine.slice(0, 10).map((n) => n.id),
      );
    });

    it('refuses a duplicate id without replacing the first', async () => {
      const s = await fresh();
      const n = notice(`u_bob_${seq}`);
      expect(await s.insert(n)).toBe(true);
      expect(await s.insert({ ...n, size: 99 })).toBe(false);
      expect((await s.listFor(n.to.user, 0, 10))[0]?.size).toBe(1234);
    });

    it('deletes only for the addressed recipient', async () => {
      const s = await fresh();
      const n = notice(`u_bob_${seq}`);
      await s.insert(n);
      expect(await s.deleteFor('u_alice', n.id)).toBe(false);
      expect(await s.listFor(n.to.user, 0, 10)).toHaveLength(1);
      expect(await s.deleteFor(n.to.user, n.id)).toBe(true);
      expect(await s.deleteFor(n.to.user, n.id)).toBe(false);
      expect(await s.listFor(n.to.user, 0, 10)).toEqual([]);
    });

    it('sweeps expired notices and keeps the rest', async () => {
      const s = await fresh();
      const bob = `u_bob_${seq}`;
      await s.insert(notice(bob, { expiresAt: 3_000 }));
      const keep = notice(bob, { expiresAt: 9_000 });
      await s.insert(keep);
      expect(await s.deleteExpired(3_000)).toBeGreaterThanOrEqual(1);
      expect(await s.listFor(bob, 0, 10)).toEqual([keep]);
    });

    it('refuses operator-looking input before it reaches the driver', async () => {
      const s = await fresh();
      const n = notice(`u_bob_${seq}`);
      await s.insert(n);
      const sneaky = { $ne: 'x' } as unknown as string;
      await expect(Promise.resolve().then(() => s.listFor(sneaky, 0, 10))).rejects.toThrow(TypeError);
      await expect(Promise.resolve().then(() => s.deleteFor(n.to.user, sneaky))).rejects.toThrow(TypeError);
      await expect(Promise.resolve().then(() => s.listForDevice(n.to.user, sneaky, 0, 10))).rejects.toThrow(
        TypeError,
      );
      expect(await s.listFor(n.to.user, 0, 10)).toHaveLength(1);
    });
  });
}
