// Keys persisted in IndexedDB survive a page reload: same device id and fingerprint, and the
// server still lists exactly one device for the user (no re-registration under a new id).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
      expect(first.fingerprint).toMatch(/\S/);
      await page.reload();
      await page.waitForFunction(() => (window as unknown as { hsReady?: boolean }).hsReady === true);
      const second = await start(false);
      expect(second.deviceId).toBe(first.deviceId);
      expect(second.fingerprint).toBe(first.fingerprint);
      const devices = await page.evaluate(() =>
        (window as unknown as TestWindow).hsTest.client.devices.list(),
      );
      expect(devices.map((d: { deviceId: string }) => d.deviceId)).toEqual([first.deviceId]);
      // Stored encrypted (no key material in the clear) under a non-extractable AES-GCM key.
      const stored = await page.evaluate(async (database) => {
        const db = await new Promise<IDBDatabase>((res, rej) => {
          const r = indexedDB.open(database);
          r.onsuccess = () => res(r.result);
          r.onerror = () => rej(r.error);
        });
        const get = (key: string) =>
          new Promise<unknown>((res, rej) => {
            const r = db.transaction('hypersend').objectStore('hypersend').get(key);
            r.onsuccess = () => res(r.result);
            r.onerror = () => rej(r.error);
          });
        const identity = (await get('identity')) as { iv: Uint8Array; ciphertext: ArrayBuffer };
        const wrap = (await get('wrap-key')) as CryptoKey;
        db.close();
        return {
          fields: Object.keys(identity).sort(),
          text: new TextDecoder('latin1').decode(identity.ciphertext),
          wrapExtractable: wrap.extractable,
          wrapAlgorithm: wrap.algorithm.name,
        };
      }, `hypersend-${username}`);
      expect(stored.fields).toEqual(['ciphertext', 'iv']);
      expect(stored.text).not.toContain('secretKey');
      expect(stored.wrapExtractable).toBe(false);
      expect(stored.wrapAlgorithm).toBe('AES-GCM');
    } catch (err) {
      await saveArtifacts('browser-identity');
      throw err;
    }
  }, 60_000);
});
