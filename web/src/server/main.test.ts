import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** What `/` answered while the server was up (only when it came up). */
  page?: { status: number; csp: string | null; body: string };
}

/** Run main.ts with exactly `env` (plus PATH); once it says it listens, fetch `/`, then SIGTERM. */
function runMain(env: Record<string, string>, ms = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'web/src/server/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    const run: Run = { code: null, stdout: '', stderr: '' };
    let asked = false;
    child.stdout.on('data', (d) => {
      run.stdout += d;
      const line = run.stdout.split('\n').find((l) => l.includes('hypersend-web listening'));
      if (!line || asked) return;
      asked = true;
      const { url } = JSON.parse(line) as { url: string };
      fetch(`${url}/`)
        .then(async (res) => {
          run.page = {
            status: res.status,
            csp: res.headers.get('content-security-policy'),
            body: await res.text(),
          };
        })
        .catch(() => undefined)
        .finally(() => child.kill('SIGTERM'));
    });
    child.stderr.on('data', (d) => {
      run.stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (code) => {
      clearTimeout(timer);
      run.code = code;
      resolve(run);
    });
  });
}

describe('web/src/server/main.ts', () => {
  it('refuses a bad variable with exit code 78 and names it', async () => {
    const run = await runMain({ WEB_PORT: '0', WEB_SIGNALING_URL: 'https://signal.example/app' });
    expect(run.code).toBe(78);
    expect(run.stderr).toContain('WEB_SIGNALING_URL: must be an origin without path or query');
  });

  it('bundles the app, serves it, and exits 0 on SIGTERM', async () => {
    const run = await runMain({ WEB_PORT: '0', WEB_SIGNALING_URL: 'https://signal.example' });
    expect(run.stderr).toBe('');
    expect(run.page?.status).toBe(200);
    expect(run.page?.body).toContain('<script type="module" src="/app.js"></script>');
    expect(run.page?.csp).toContain("connect-src 'self' https://signal.example wss://signal.example");
    expect(run.code).toBe(0);
  });
});
