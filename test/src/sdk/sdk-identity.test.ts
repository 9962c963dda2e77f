import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createClient,
  fromStoredIdentity,
  HypersendError,
  IdentityFileStore,
  loadOrCreateIdentity,
  profileDir,
  publicIdentity,
} from '@hypersend/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { randomUsername } from '../helpers/users.ts';

describe('device identity file store (Node)', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'hypersend-xdg-'));
    env = { XDG_CONFIG_HOME: home };
  });

  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('creates identity.json 0600 in a 0700 profile directory and reloads the same keys', async () => {
    const store = new IdentityFileStore({ profile: 'alice', env });
    expect(store.path).toBe(join(home, 'hypersend', 'alice', 'identity.json'));
    const created = await loadOrCreateIdentity(store, 'laptop');
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(home, 'hypersend', 'alice'))).mode & 0o777).toBe(0o700);
    const reloaded = await loadOrCreateIdentity(new IdentityFileStore({ profile: 'alice', env }), 'other');
    expect(reloaded.deviceId).toBe(created.deviceId);
    expect(reloaded.name).toBe('laptop');
    expect(publicIdentity(reloaded)).toEqual(publicIdentity(created));
    // Same secret keys: same (deterministic) signature and the same box key with any peer.
    const probe = new TextEncoder().encode('probe');
    expect(await reloaded.secrets.sign(probe)).toEqual(await created.secrets.sign(probe));
    const peer = reloaded.x25519.publicKey;
    expect(await reloaded.secrets.boxKey(peer)).toEqual(await created.secrets.boxKey(peer));
    expect(reloaded.keyProtection).toBe('bytes');
  });

  it('refuses a group- or world-readable identity file with insecure_file', async () => {
    const store = new IdentityFileStore({ profile: 'leaky', env });
    await loadOrCreateIdentity(store, 'laptop');
    await chmod(store.path, 0o644);
    const err = await store.load().catch((e: unknown) => e);
    expect(HypersendError.is(err, 'insecure_file')).toBe(true);
    expect((err as HypersendError).message).toMatch(/accessible by other users/);
    await chmod(store.path, 0o600);
    expect(await store.load()).not.toBeNull();
  });

  it('refuses a tampered identity whose public key does not match its secret key', async () => {
    const store = new IdentityFileStore({ profile: 'alice', env });
    const stored = JSON.parse(await readFile(store.path, 'utf8'));
    stored.ed25519.publicKey = stored.x25519.publicKey;
    expect(() => fromStoredIdentity(stored)).toThrow(/not valid/);
  });

  it('rejects profile names that are not plain names', () => {
    expect(() => profileDir('../etc', env)).toThrow(HypersendError);
    expect(profileDir('default', env)).toBe(join(home, 'hypersend', 'default'));
    expect(profileDir('default', {})).toMatch(/\.config\/hypersend\/default$/);
  });

  describe('createClient with Node defaults', () => {
    let server: TestServer;
    let previous: string | undefined;

    beforeAll(async () => {
      server = await startTestServer();
      previous = process.env.XDG_CONFIG_HOME;
      process.env.XDG_CONFIG_HOME = home;
    });

    afterAll(async () => {
      if (previous === undefined) delete process.env.XDG_CONFIG_HOME;
      else process.env.XDG_CONFIG_HOME = previous;
      await server?.close();
    });

    it('keeps the identity in the profile directory across clients', async () => {
      const username = randomUsername('file');
      const password = 'a long enough password';
      const one = createClient({ serverUrl: server.url, profile: 'node-default', deviceName: 'cli' });
      await one.register(username, password);
      await one.connect();
      const deviceId = one.device?.deviceId;
      one.close();
      const path = join(home, 'hypersend', 'node-default', 'identity.json');
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      const two = createClient({ serverUrl: server.url, profile: 'node-default' });
      try {
        await two.login(username, password);
        await two.connect();
        expect(two.device?.deviceId).toBe(deviceId);
        // Same keys: no second device, no re-registration.
        expect((await two.devices.list()).map((d) => d.deviceId)).toEqual([deviceId]);
      } finally {
        two.close();
      }
    });
  });
});
