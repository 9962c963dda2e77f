// scripts/selfhost-env.sh: the .env it prints is complete (compose starts), its secrets are fresh and
// accepted by the code that checks them, and it refuses a domain that is not a host name.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRelayConfig } from '../../../relay/src/config.ts';
import { loadConfig } from '../../../signaling/src/config.ts';
import { coturnOptionsFromEnv } from '../../../turn/src/config-from-env.ts';
import { renderCoturnConfig } from '../../../turn/src/render-config.ts';
import { loadCompose, parseDotEnv, ROOT, readRepoFile } from './compose-model.ts';
import { exampleEnv, SECRET_NAME } from './deploy-env.ts';

const run = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(
      'bash',
      [join(ROOT, 'scripts', 'selfhost-env.sh'), ...args],
      { timeout: 30_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );

describe('scripts/selfhost-env.sh', () => {
  it('prints a complete .env with fresh secrets that compose and the services accept', async () => {
    const [first, second] = await Promise.all([run(['example.net']), run(['example.net'])]);
    expect(first.code, first.stderr).toBe(0);
    const env = Object.fromEntries(parseDotEnv(first.stdout));
    expect(Object.keys(env).sort()).toEqual([...exampleEnv().keys()].sort());
    const compose = loadCompose(readRepoFile('docker-compose.yml'), env);
    const signaling = loadConfig(compose.services.signaling?.environment ?? {});
    expect(signaling).toMatchObject({ mode: 'production', publicUrl: 'https://signal.example.net' });
    expect(signaling.allowedOrigins).toEqual(['https://app.example.net']);
    expect(loadRelayConfig(compose.services.relay?.environment ?? {}).jwt.issuer).toBe(
      'https://signal.example.net',
    );
    const conf = renderCoturnConfig(
      coturnOptionsFromEnv(compose.services['coturn-config']?.environment ?? {}),
    );
    expect(conf).toContain('realm=turn.example.net');

    // Every secret is set, differs from the others, and differs between two runs.
    const again = Object.fromEntries(parseDotEnv(second.stdout));
    const secrets = Object.keys(env).filter((k) => SECRET_NAME.test(k));
    expect(secrets.sort()).toEqual(
      [
        'HYPERSEND_JWT_PRIVATE_KEY',
        'HYPERSEND_TURN_SECRETS',
        'MONGO_APP_PASSWORD',
        'MONGO_ROOT_PASSWORD',
      ].sort(),
    );
    for (const k of secrets) {
      expect(env[k]?.length, k).toBeGreaterThanOrEqual(32);
      expect(env[k], k).not.toBe(again[k]);
    }
    expect(new Set(secrets.map((k) => env[k])).size).toBe(secrets.length);
  });

  it('refuses a domain that is not a plain host name', async () => {
    for (const bad of ['', 'localhost', 'exa mple.com', 'example.com/evil', '-x.example.com']) {
      const r = await run(bad === '' ? [] : [bad]);
      expect(r.code, bad).toBe(64);
      expect(r.stdout).toBe('');
    }
  });
});
