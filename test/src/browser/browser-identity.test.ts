// Keys persisted in IndexedDB survive a page reload: same device id and fingerprint, and the
// server still lists exactly one device for the user (no re-registration under a new id). The
// secret keys are non-extractable CryptoKeys, and an identity in the older wrapped-bytes format
// migrates to them on load without changing the device's keys.
import { createDeviceIdentity, type StoredIdentity, toStoredIdentity } from '@hypersend/client';
import { fingerprint, loadSodium, sodiumSync } from '@hypersend/client/crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, Peer } from '../cli/cli-harness.ts';
import { randomUsername } from '../helpers/users.ts';
import { type BrowserLab, startBrowserLab } from './browser-harness.ts';
import { PASSWORD, type TestWindow } from './page-api.ts';

let lab: BrowserLab;
beforeAll(async () => {
  lab = await startBrowserLab();
}, 120_000);
afterAll(async () => {
  await lab?.close();
});

describe('browser identity in IndexedDB', () => {
  it('keeps the device identity across a page reload', async () => {
    const { page, saveArtifacts } = await lab.newPage();
    try {
      const username = randomUsername('idb');
      const start = (register: boolean) =>
        page.evaluate((o) => (window as unknown as TestWindow).hsTest.start(o), {
          serverUrl: lab.signaling.url,
          username,
          password: PASSWORD,
          register,
        });
      const first = await start(true);
      expect(first.fingerprint).toMatch(/^\d{30}$/);
      await page.reload();
      await page.waitForFunction(() => (window as unknown as { hsReady?: boolean }).hsReady === true);
      const second = await start(false);
      expect(second.deviceId).toBe(first.deviceId);
      expect(second.fingerprint).toBe(first.fingerprint);
      const devices = await page.evaluate(() =>
        (window as unknown as TestWindow).hsTest.client.devices.list(),
      );
      expect(devices.map((d: { deviceId: string }) => d.deviceId)).toEqual([first.deviceId]);
      // Non-extractable X25519/Ed25519 CryptoKeys, no secret bytes, no wrapping key.
      const stored = await inspectIdentityRecord(page, `hypersend-${username}`);
      expect(stored).toEqual(NON_EXTRACTABLE_RECORD);
      expect(
        await page.evaluate(() => (window as unknown as TestWindow).hsTest.client.device.keyProtection),
      ).toBe('non-extractable');
    } catch (err) {
      await saveArtifacts('browser-identity');
      throw err;
    }
  }, 60_000);

  it('migrates an identity stored as wrapped bytes to non-extractable keys, keeping its fingerprint', async () => {
    const { page, saveArtifacts } = await lab.newPage();
    try {
      const username = randomUsername('idbmig');
      const database = `hypersend-${username}`;
      // The pre-CryptoKey format, written by hand: AES-GCM(JSON StoredIdentity) under a
      // non-extractable AES key, both in the 'hypersend' object store.
      const old = toStoredIdentity(await createDeviceIdentity('chromium'));
      await writeWrappedIdentity(page, database, old);
      const start = (register: boolean) =>
        page.evaluate((o) => (window as unknown as TestWindow).hsTest.start(o), {
          serverUrl: lab.signaling.url,
          username,
          password: PASSWORD,
          register,
        });
      const first = await start(true);
      expect(first.deviceId).toBe(old.deviceId);
      await loadSodium();
      const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64url'));
      const oldKeys = { x25519: b64(old.x25519.publicKey), ed25519: b64(old.ed25519.publicKey) };
      expect(first.fingerprint).toBe(fingerprint(oldKeys, first.userId));
      expect(await inspectIdentityRecord(page, database)).toEqual(NON_EXTRACTABLE_RECORD);
      // The migrated Ed25519 key is the old one: its signature verifies under the old public key.
      const probe = 'migrated key check';
      const sig = await page.evaluate(async (text) => {
        const device = (window as unknown as TestWindow).hsTest.client.device;
        return Array.from((await device.secrets.sign(new TextEncoder().encode(text))) as Uint8Array);
      }, probe);
      expect(
        sodiumSync().crypto_sign_verify_detached(
          Uint8Array.from(sig),
          new TextEncoder().encode(probe),
          oldKeys.ed25519,
        ),
      ).toBe(true);
      // And the migrated record is what later loads use.
      await page.reload();
      await page.waitForFunction(() => (window as unknown as { hsReady?: boolean }).hsReady === true);
      const second = await start(false);
      expect(second).toEqual(first);
    } catch (err) {
      await saveArtifacts('browser-identity-migration');
      throw err;
    }
  }, 60_000);

  it('without WebCrypto X25519/Ed25519 the keys are wrapped bytes; once supported they migrate', async () => {
    const { page, saveArtifacts } = await lab.newPage();
    try {
      // Simulate an older browser while a sessionStorage flag is set: generateKey and importKey
      // ('all') or only importKey ('import') reject X25519/Ed25519, as where they are unknown.
      await page.addInitScript(() => {
        const mode = sessionStorage.getItem('no-curve-keys');
        if (mode !== 'all' && mode !== 'import') return;
        const refuse = (original: (...a: never[]) => unknown) =>
          function (this: SubtleCrypto, ...args: never[]) {
            const algorithm = args[args.length === 3 ? 0 : 2] as unknown as
              | { name?: string }
              | string
              | undefined;
            const name = typeof algorithm === 'string' ? algorithm : algorithm?.name;
            if (name === 'X25519' || name === 'Ed25519')
              return Promise.reject(new DOMException('Unrecognized name.', 'NotSupportedError'));
            return original.apply(this, args);
          };
        if (mode === 'all')
          SubtleCrypto.prototype.generateKey = refuse(SubtleCrypto.prototype.generateKey) as never;
        SubtleCrypto.prototype.importKey = refuse(SubtleCrypto.prototype.importKey) as never;
      });
      await page.evaluate(() => sessionStorage.setItem('no-curve-keys', 'all'));
      const reload = async () => {
        await page.reload();
        await page.waitForFunction(() => (window as unknown as { hsReady?: boolean }).hsReady === true);
      };
      await reload();
      const username = randomUsername('idbold');
      const start = (register: boolean) =>
        page.evaluate((o) => (window as unknown as TestWindow).hsTest.start(o), {
          serverUrl: lab.signaling.url,
          username,
          password: PASSWORD,
          register,
        });
      const first = await start(true);
      const protection = () =>
        page.evaluate(() => (window as unknown as TestWindow).hsTest.client.device.keyProtection as string);
      expect(await protection()).toBe('wrapped');
      const wrapped = await page.evaluate(async (database) => {
        const db = await new Promise<IDBDatabase>((res, rej) => {
          const r = indexedDB.open(database);
          r.onsuccess = () => res(r.result);
          r.onerror = () => rej(r.error);
        });
        const record = await new Promise<Record<string, unknown>>((res, rej) => {
          const r = db.transaction('hypersend').objectStore('hypersend').get('identity');
          r.onsuccess = () => res(r.result);
          r.onerror = () => rej(r.error);
        });
        db.close();
        return Object.keys(record).sort();
      }, `hypersend-${username}`);
      expect(wrapped).toEqual(['ciphertext', 'iv']);
      // Keys can be generated but not imported: migration is impossible, the device stays usable.
      await page.evaluate(() => sessionStorage.setItem('no-curve-keys', 'import'));
      await reload();
      expect(await start(false)).toEqual(first);
      expect(await protection()).toBe('wrapped');
      // The browser "gains" X25519/Ed25519: the next load migrates to non-extractable keys.
      await page.evaluate(() => sessionStorage.removeItem('no-curve-keys'));
      await reload();
      const second = await start(false);
      expect(second).toEqual(first);
      expect(await protection()).toBe('non-extractable');
      expect(await inspectIdentityRecord(page, `hypersend-${username}`)).toEqual(NON_EXTRACTABLE_RECORD);
    } catch (err) {
      await saveArtifacts('browser-identity-wrapped');
      throw err;
    }
  }, 60_000);

  it('concurrent loads (as from two tabs) agree on one identity, when creating and when migrating', async () => {
    const { page, saveArtifacts } = await lab.newPage();
    try {
      const loadTwice = (database: string) =>
        page.evaluate(async (database) => {
          const { hs } = window as unknown as TestWindow;
          const ids = await Promise.all(
            [1, 2].map(() => new hs.IndexedDbIdentityStore({ database }).loadOrCreateIdentity('tab')),
          );
          return ids.map((d) => ({
            deviceId: d.deviceId as string,
            x25519: Array.from(d.x25519.publicKey as Uint8Array).join(','),
            keyProtection: d.keyProtection as string,
          }));
        }, database);
      const fresh = await loadTwice(`race-new-${randomUsername('db')}`);
      expect(fresh[1]).toEqual(fresh[0]);
      expect(fresh[0]!.keyProtection).toBe('non-extractable');
      const database = `race-old-${randomUsername('db')}`;
      const old = toStoredIdentity(await createDeviceIdentity('old'));
      await writeWrappedIdentity(page, database, old);
      const migrated = await loadTwice(database);
      const oldX = Array.from(Buffer.from(old.x25519.publicKey, 'base64url')).join(',');
      for (const m of migrated)
        expect(m).toEqual({ deviceId: old.deviceId, x25519: oldX, keyProtection: 'non-extractable' });
      expect(await inspectIdentityRecord(page, database)).toEqual(NON_EXTRACTABLE_RECORD);
    } catch (err) {
      await saveArtifacts('browser-identity-race');
      throw err;
    }
  }, 60_000);

  it('chat with the Node CLI works both ways with non-extractable browser keys', async () => {
    const { page, saveArtifacts } = await lab.newPage();
    const cli = await Peer.create(lab.signaling.url, randomUsername('clichat'));
    try {
      const username = randomUsername('idbchat');
      await Promise.all([
        cli.ok(['register', cli.username]),
        page.evaluate((o) => (window as unknown as TestWindow).hsTest.start(o), {
          serverUrl: lab.signaling.url,
          username,
          password: PASSWORD,
          register: true,
        }),
      ]);
      expect(
        await page.evaluate(() => (window as unknown as TestWindow).hsTest.client.device.keyProtection),
      ).toBe('non-extractable');
      await page.evaluate(
        (u) => (window as unknown as TestWindow).hsTest.client.contacts.request(u),
        cli.username,
      );
      await cli.ok(['contacts', 'accept', username]);
      const fromBrowser = `from the browser ${Date.now()}`;
      await page.evaluate(
        async ({ peer, text }) => {
          const w = window as unknown as TestWindow;
          const contact = (await w.hsTest.client.contacts.list()).find(
            (c: { username: string }) => c.username === peer,
          );
          const conv = await w.hsTest.client.chat.create([contact.userId]);
          await w.hsTest.client.chat.send(conv.id, text);
        },
        { peer: cli.username, text: fromBrowser },
      );
      // The CLI (libsodium, key bytes) opens the box the browser sealed with WebCrypto X25519.
      const history = await cli.ok(['chat', username, '--history', '10']);
      expect(history.stdout).toContain(`${username}: ${fromBrowser}`);
      await cli.ok(['msg', username, 'from the cli']);
      const got = await page.evaluate(() =>
        (window as unknown as TestWindow).hsTest.until(
          'the CLI message',
          (t) => t.messages.find((m) => m.text === 'from the cli' && !m.outgoing),
          20_000,
        ),
      );
      expect(got).toMatchObject({ kind: 'text', text: 'from the cli', outgoing: false });
    } catch (err) {
      await saveArtifacts('browser-identity-cli-chat');
      throw err;
    } finally {
      killAll();
      await cli.cleanup();
    }
  }, 90_000);
});

/** What {@link inspectIdentityRecord} must find: CryptoKeys only, nothing extractable, no wrap key. */
const NON_EXTRACTABLE_RECORD = {
  keys: ['identity'],
  fields: ['createdAt', 'deviceId', 'ed25519', 'name', 'v', 'x25519'],
  x25519: {
    fields: ['privateKey', 'publicKey'],
    algorithm: 'X25519',
    extractable: false,
    usages: ['deriveBits'],
    exportable: [],
    publicBytes: 32,
  },
  ed25519: {
    fields: ['privateKey', 'publicKey'],
    algorithm: 'Ed25519',
    extractable: false,
    usages: ['sign'],
    exportable: [],
    publicBytes: 32,
  },
};

/** Read the identity record straight from IndexedDB and try to export its private keys. */
function inspectIdentityRecord(page: Page, database: string) {
  return page.evaluate(async (database) => {
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const r = indexedDB.open(database);
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    const request = <T>(op: (s: IDBObjectStore) => IDBRequest) =>
      new Promise<T>((res, rej) => {
        const r = op(db.transaction('hypersend').objectStore('hypersend'));
        r.onsuccess = () => res(r.result as T);
        r.onerror = () => rej(r.error);
      });
    // Everything in the store but the pinned contact keys (public keys only, present once a
    // contact was pinned): no 'wrap-key' must remain.
    const keys = (await request<IDBValidKey[]>((s) => s.getAllKeys()))
      .map(String)
      .filter((k) => k !== 'pinned-keys')
      .sort();
    const record = await request<Record<string, { publicKey: Uint8Array; privateKey: CryptoKey }>>((s) =>
      s.get('identity'),
    );
    db.close();
    const describe = async (pair: { publicKey: Uint8Array; privateKey: CryptoKey }) => {
      const exportable: string[] = [];
      for (const format of ['pkcs8', 'jwk', 'raw'] as const)
        await crypto.subtle.exportKey(format, pair.privateKey).then(
          () => exportable.push(format),
          () => undefined,
        );
      return {
        fields: Object.keys(pair).sort(),
        algorithm:
          pair.privateKey instanceof CryptoKey ? pair.privateKey.algorithm.name : typeof pair.privateKey,
        extractable: pair.privateKey.extractable,
        usages: [...pair.privateKey.usages].sort(),
        exportable,
        publicBytes: pair.publicKey instanceof Uint8Array ? pair.publicKey.length : -1,
      };
    };
    return {
      keys,
      fields: Object.keys(record).sort(),
      x25519: await describe(record.x25519!),
      ed25519: await describe(record.ed25519!),
    };
  }, database);
}

/** Write `old` in the pre-CryptoKey format by hand: AES-GCM(JSON) under a non-extractable AES key. */
async function writeWrappedIdentity(page: Page, database: string, old: StoredIdentity): Promise<void> {
  await page.evaluate(
    async ({ database, json }) => {
      const db = await new Promise<IDBDatabase>((res, rej) => {
        const r = indexedDB.open(database, 1);
        r.onupgradeneeded = () => r.result.createObjectStore('hypersend');
        r.onsuccess = () => res(r.result);
        r.onerror = () => rej(r.error);
      });
      const wrap = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
        'encrypt',
        'decrypt',
      ]);
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const ciphertext = await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv },
        wrap,
        new TextEncoder().encode(json),
      );
      await new Promise<void>((res, rej) => {
        const tx = db.transaction('hypersend', 'readwrite');
        tx.objectStore('hypersend').put(wrap, 'wrap-key');
        tx.objectStore('hypersend').put({ iv, ciphertext }, 'identity');
        tx.oncomplete = () => res();
        tx.onerror = () => rej(tx.error);
      });
      db.close();
    },
    { database, json: JSON.stringify(old) },
  );
}
