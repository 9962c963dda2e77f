import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dataDir = (name: string) =>
  fileURLToPath(new URL(`../../.cache/${name}-${process.pid}`, import.meta.url));
afterAll(() => {
  for (const name of ['main-test', 'main-test-dev']) rmSync(dataDir(name), { recursive: true, force: true });
});

/** Run main.ts with exactly `env` (plus PATH), stop it after `ms` if still running. */
function runMain(
  env: Record<string, string>,
  ms = 20_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'signaling/src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      // Once it says where to go, it is up: ask it to stop gracefully.
      if (stdout.includes('Hypersend signaling is running')) child.kill('SIGTERM');
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('configuration errors', () => {
  it('name the variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    try {
      loadConfig({ HYPERSEND_PASSWORD_HASH: 'weak' });
    } catch (err) {
      expect((err as ConfigError).variable).toBe('HYPERSEND_PASSWORD_HASH');
      expect((err as Error).message).toContain('HYPERSEND_PASSWORD_HASH');
    }
  });

  it('production refuses to start without the signing key: exit 78, variable named on stderr', async () => {
    const { code, stderr } = await runMain({
      HYPERSEND_ENV: 'production',
      HYPERSEND_PUBLIC_URL: 'https://hs.example',
      PORT: '0',
    });
    expect(code).toBe(78);
    expect(stderr).toContain('HYPERSEND_JWT_PRIVATE_KEY');
  });

  it('a malformed variable exits 78 naming it', async () => {
    const { code, stderr } = await runMain({ PORT: 'not-a-port' });
    expect(code).toBe(78);
    expect(stderr).toContain('PORT');
  });

  it('starts in production with its secrets, says where to go, and exits 0 on SIGTERM', async () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const { code, stdout } = await runMain({
      HYPERSEND_ENV: 'production',
      HYPERSEND_PUBLIC_URL: 'https://hs.example',
      HYPERSEND_JWT_PRIVATE_KEY: pem,
      PORT: '0',
      HYPERSEND_DATA_DIR: dataDir('main-test'),
      LOG_LEVEL: 'silent',
    });
    expect(stdout).toContain('native uWebSockets.js binding');
    expect(stdout).not.toContain('ephemeral');
    expect(code).toBe(0);
  });

  it('production refuses the ws-based uWS fallback', async () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const { code, stderr } = await runMain({
      HYPERSEND_ENV: 'production',
      HYPERSEND_PUBLIC_URL: 'https://hs.example',
      HYPERSEND_JWT_PRIVATE_KEY: pem,
      UWS_USE_FALLBACK: '1',
      PORT: '0',
      LOG_LEVEL: 'silent',
    });
    expect(code).toBe(1);
    expect(stderr).toContain('fallback');
  });

  it('development without a key warns that the key is ephemeral', async () => {
    const { code, stdout } = await runMain({
      PORT: '0',
      HYPERSEND_DATA_DIR: dataDir('main-test-dev'),
      LOG_LEVEL: 'silent',
    });
    expect(stdout).toContain('ephemeral JWT signing key');
    expect(code).toBe(0);
  });
});
