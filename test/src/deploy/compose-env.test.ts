// Every compose service's command, environment and ports against what the code actually reads, and
// the images and Dockerfiles against the deployment rules (pinned versions, node:20-bookworm-slim,
// multi-stage, npm ci --omit=dev, non-root, HEALTHCHECK, restart policies, resource limits).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { loadRelayConfig, ConfigError as RelayConfigError } from '../../../relay/src/config.ts';
import { ConfigError, loadConfig } from '../../../signaling/src/config.ts';
import { coturnOptionsFromEnv } from '../../../turn/src/config-from-env.ts';
import { renderCoturnConfig } from '../../../turn/src/render-config.ts';
import { loadWebConfig } from '../../../web/src/server/config.ts';
import { serviceContracts } from './code-env.ts';
import {
  type ComposeService,
  dockerfileInstructions,
  loadCompose,
  ROOT,
  readRepoFile,
} from './compose-model.ts';
import { EXAMPLE_URLS, filledEnv } from './deploy-env.ts';

const env = filledEnv(EXAMPLE_URLS);
const compose = loadCompose(readRepoFile('docker-compose.yml'), env);
const service = (name: string): ComposeService => {
  const s = compose.services[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
};
const envOf = (name: string) => service(name).environment ?? {};
const contracts = serviceContracts();
const NODE_SERVICES = ['signaling', 'relay', 'web', 'coturn-config'] as const;
const LONG_RUNNING = ['mongo', 'coturn', 'signaling', 'relay', 'web'];

/** Names whose removal makes `load` throw a config error naming exactly that variable. */
function requiredBy(load: (e: Record<string, string>) => unknown, full: Record<string, string>): string[] {
  const required: string[] = [];
  for (const name of Object.keys(full)) {
    const { [name]: _removed, ...rest } = full;
    try {
      load(rest);
    } catch (err) {
      const variable =
        (err as { variable?: string; option?: string }).variable ?? (err as { option?: string }).option;
      if (variable === name || (name === 'HYPERSEND_TURN_SECRETS' && variable === 'secrets'))
        required.push(name);
    }
  }
  return required.sort();
}

/** The container port a `host:port:container` mapping publishes. */
const containerPorts = (s: ComposeService) => (s.ports ?? []).map((p) => Number(p.split(':').at(-1)));

describe('environment: compose names only variables the code reads, and every one it requires', () => {
  it.each(NODE_SERVICES)('%s: no variable the code ignores', (name) => {
    const ignored = Object.keys(envOf(name)).filter((k) => !contracts[name].known.has(k));
    expect(ignored).toEqual([]);
  });

  it('signaling: the production config loads, and the variables the code requires are all set', () => {
    const e = envOf('signaling');
    const config = loadConfig(e);
    expect(config).toMatchObject({ mode: 'production', host: '0.0.0.0', trustProxy: true });
    expect(config.mongo?.uri).toMatch(
      /^mongodb:\/\/hypersend:[0-9a-f]{64}@mongo:27017\/hypersend\?authSource=hypersend$/,
    );
    expect(config.turn?.secrets).toEqual([env.HYPERSEND_TURN_SECRETS]);
    expect(config.allowedOrigins).toEqual([EXAMPLE_URLS.web]);
    // The code's production requirements, found by removing one variable at a time.
    expect(requiredBy(loadConfig, e)).toEqual(
      expect.arrayContaining(['HYPERSEND_JWT_PRIVATE_KEY', 'HYPERSEND_PUBLIC_URL']),
    );
    for (const name of requiredBy(loadConfig, e)) expect(Object.keys(e)).toContain(name);
    expect(() => loadConfig({ ...e, HYPERSEND_JWT_PRIVATE_KEY: '' })).toThrow(ConfigError);
  });

  it('relay: the production config loads against signaling inside the stack', () => {
    const e = envOf('relay');
    const config = loadRelayConfig(e);
    expect(config).toMatchObject({ mode: 'production', host: '0.0.0.0', dataDir: '/data' });
    // The relay fetches signaling's keys over the compose network, at signaling's own port.
    const jwks = new URL(config.jwt.jwksUrl);
    expect(jwks.hostname).toBe('signaling');
    expect(Number(jwks.port)).toBe(loadConfig(envOf('signaling')).port);
    expect(config.jwt.issuer).toBe(loadConfig(envOf('signaling')).publicUrl);
    expect(config.mongo).toEqual(loadConfig(envOf('signaling')).mongo);
    expect(requiredBy(loadRelayConfig, e)).toEqual(
      expect.arrayContaining(['RELAY_JWKS_URL', 'RELAY_JWT_ISSUER']),
    );
    expect(() => loadRelayConfig({ ...e, RELAY_JWT_ISSUER: '' })).toThrow(RelayConfigError);
    expect(service('relay').volumes).toContain(`relay-data:${config.dataDir}`);
  });

  it('web: points browsers at the public signaling and relay URLs, and signaling allows its origin', () => {
    const config = loadWebConfig(envOf('web'));
    expect(config.signalingUrl).toBe(EXAMPLE_URLS.signaling);
    expect(config.relayUrl).toBe(EXAMPLE_URLS.relay);
    expect(loadConfig(envOf('signaling')).relayUrl).toBe(EXAMPLE_URLS.relay);
  });

  it('coturn-config: renders a production coturn file with the secret signaling signs with', () => {
    const e = envOf('coturn-config');
    expect(e.HYPERSEND_TURN_SECRETS).toBe(envOf('signaling').HYPERSEND_TURN_SECRETS);
    const conf = renderCoturnConfig(coturnOptionsFromEnv(e));
    expect(conf).toContain(`static-auth-secret=${env.HYPERSEND_TURN_SECRETS}`);
    expect(conf).toMatch(/^denied-peer-ip=::ffff:0\.0\.0\.0-::ffff:255\.255\.255\.255$/m);
    expect(conf).not.toMatch(/allow-loopback-peers|allowed-peer-ip/);
    expect(requiredBy((x) => coturnOptionsFromEnv(x), e)).toEqual(['HYPERSEND_TURN_SECRETS', 'TURN_REALM']);
    // coturn reads exactly the file the renderer writes, from the volume they share.
    const out = service('coturn-config').command?.at(-1) ?? '';
    expect(service('coturn').command).toEqual(['-c', out]);
    const volumeOf = (s: string) =>
      service(s)
        .volumes?.find((v) => v.startsWith('coturn-config:'))
        ?.split(':')[1];
    expect(volumeOf('coturn')).toBe(out.slice(0, out.lastIndexOf('/')));
    expect(volumeOf('coturn-config')).toBe(volumeOf('coturn'));
  });

  it.each(NODE_SERVICES)('%s: runs its entry file with tsx, as the image CMD does', (name) => {
    const command = service(name).command ?? [];
    expect(command.slice(0, 3)).toEqual(['node', '--import', 'tsx']);
    expect(command[3]).toBe(contracts[name].entry);
    expect(existsSync(join(ROOT, contracts[name].entry))).toBe(true);
  });

  it('ports: published container ports and healthchecks are the ports the code listens on', () => {
    const listens = {
      signaling: loadConfig(envOf('signaling')).port,
      relay: loadRelayConfig(envOf('relay')).port,
      web: loadWebConfig(envOf('web')).port,
    };
    expect(listens).toEqual({ signaling: 8080, relay: 8090, web: 8070 });
    for (const [name, port] of Object.entries(listens)) {
      expect(containerPorts(service(name))).toEqual([port]);
      // Published on loopback only: the TLS reverse proxy is the way in.
      for (const p of service(name).ports ?? []) expect(p).toMatch(/^127\.0\.0\.1:/);
      expect(service(name).healthcheck?.test?.join(' ')).toContain(`http://127.0.0.1:${port}/`);
      const dockerfile = dockerfileInstructions(readRepoFile(`${name}/Dockerfile`));
      expect(dockerfile.filter((i) => i.keyword === 'EXPOSE').map((i) => Number(i.args))).toEqual([port]);
    }
  });
});

describe('images and containers', () => {
  const versionOf = (image: string | undefined) =>
    /:(\d+)\.(\d+)\.(\d+)(?:-r\d+)?(?:@sha256:[0-9a-f]{64})?$/.exec(image ?? '');

  it('every image is pinned to an exact version, never latest', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      expect(s.image, name).toBeDefined();
      expect(s.image, name).not.toMatch(/:latest\b|^[^:]+$/);
      expect(versionOf(s.image), `${name}: ${s.image}`).not.toBeNull();
    }
    const [, major, minor] = versionOf(service('coturn').image) ?? [];
    // coturn >= 4.9 carries the fix for IPv4-mapped peers bypassing denied-peer-ip (CVE-2026-27624).
    expect(Number(major) * 100 + Number(minor)).toBeGreaterThanOrEqual(409);
    expect(service('mongo').image).toMatch(/^mongo:7\.0\.\d+$/);
  });

  it('our own images are always built from the checkout, never pulled from a registry', () => {
    const ours = Object.entries(compose.services).filter(([, s]) => s.image?.startsWith('hypersend/'));
    expect(ours.map(([n]) => n).sort()).toEqual(['coturn-config', 'relay', 'signaling', 'web']);
    for (const [name, s] of ours) {
      expect(s.pull_policy, name).toBe('build');
      expect(existsSync(join(ROOT, s.build?.dockerfile ?? '')), name).toBe(true);
    }
  });

  it('MongoDB: auth on, data on a volume, the app user created by the mounted init script', () => {
    const mongo = service('mongo');
    expect(mongo.command).toContain('--auth');
    expect(mongo.volumes).toContain('mongo-data:/data/db');
    const init = mongo.volumes?.find((v) => v.includes('/docker-entrypoint-initdb.d/'));
    expect(init).toBeDefined();
    expect(existsSync(join(ROOT, init?.split(':')[0] ?? ''))).toBe(true);
    const uri = new URL(loadConfig(envOf('signaling')).mongo?.uri ?? '');
    expect(uri.username).toBe(mongo.environment?.MONGO_APP_USERNAME);
    expect(uri.password).toBe(mongo.environment?.MONGO_APP_PASSWORD);
    expect(uri.username).not.toBe(mongo.environment?.MONGO_INITDB_ROOT_USERNAME);
  });

  it('the init script creates the app user with readWrite on the app database only, and needs its variables', () => {
    // mongosh runs it with `db`, `print` and `process` in scope; run it the same way with a recording db.
    const mongo = service('mongo');
    const file = mongo.volumes?.find((v) => v.includes('/docker-entrypoint-initdb.d/'))?.split(':')[0] ?? '';
    const code = readRepoFile(file);
    const runInit = (vars: Record<string, string | undefined>) => {
      const calls: { db: string; user: unknown }[] = [];
      const db = {
        getSiblingDB: (name: string) => ({ createUser: (user: unknown) => calls.push({ db: name, user }) }),
      };
      runInNewContext(code, { db, print: () => {}, process: { env: vars } });
      return calls;
    };
    const e = mongo.environment ?? {};
    expect(runInit(e)).toEqual([
      {
        db: 'hypersend',
        user: {
          user: e.MONGO_APP_USERNAME,
          pwd: e.MONGO_APP_PASSWORD,
          roles: [{ role: 'readWrite', db: 'hypersend' }],
        },
      },
    ]);
    expect(() => runInit({ ...e, MONGO_APP_PASSWORD: '' })).toThrow(/MONGO_APP_PASSWORD/);
  });

  it('coturn: host networking (or a published relay range), non-root; every non-database container read-only without capabilities', () => {
    const coturn = service('coturn');
    expect(coturn.network_mode === 'host' || (coturn.ports ?? []).some((p) => /\d+-\d+/.test(p))).toBe(true);
    expect(coturn.user).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    for (const name of ['coturn', 'coturn-config', 'signaling', 'relay', 'web']) {
      expect(service(name).read_only, name).toBe(true);
      expect(service(name).cap_drop, name).toEqual(['ALL']);
    }
  });

  it('restart policies on every long-running service and resource limits everywhere', () => {
    for (const name of LONG_RUNNING) {
      expect(service(name).restart, name).toBe('unless-stopped');
      expect(service(name).deploy?.resources?.limits?.memory, name).toMatch(/^\d+[MG]$/);
      expect(Number(service(name).deploy?.resources?.limits?.cpus), name).toBeGreaterThan(0);
    }
    expect(service('coturn-config').restart).toBe('no');
  });

  const dockerfiles = ['signaling', 'relay', 'web'];
  const workspaces = (JSON.parse(readRepoFile('package.json')) as { workspaces: string[] }).workspaces;

  it.each(dockerfiles)(
    '%s/Dockerfile: multi-stage node:20-bookworm-slim, npm ci --omit=dev, non-root, HEALTHCHECK',
    (name) => {
      const text = readRepoFile(`${name}/Dockerfile`);
      const steps = dockerfileInstructions(text);
      const arg = steps.find((s) => s.keyword === 'ARG' && s.args.startsWith('NODE_IMAGE='))?.args ?? '';
      expect(arg).toMatch(/^NODE_IMAGE=node:20(\.\d+){0,2}-bookworm-slim(@sha256:[0-9a-f]{64})?$/);
      const froms = steps.filter((s) => s.keyword === 'FROM');
      expect(froms.length).toBeGreaterThanOrEqual(2);
      for (const from of froms) expect(from.args).toMatch(/^\$\{NODE_IMAGE\} AS \w+$/);
      const install = steps.filter((s) => s.keyword === 'RUN' && /\bnpm (ci|install)\b/.test(s.args));
      expect(install.map((s) => s.args)).toEqual([
        expect.stringMatching(/^npm ci --omit=dev --workspace @hypersend\//),
      ]);
      // Runs as a non-root user, set after the last root-only step.
      const users = steps.filter((s) => s.keyword === 'USER');
      expect(users.at(-1)?.args).toBe('node');
      expect(steps.findIndex((s) => s.keyword === 'USER')).toBeGreaterThan(
        steps.map((s) => s.keyword).lastIndexOf('RUN'),
      );
      expect(steps.some((s) => s.keyword === 'HEALTHCHECK' && s.args.includes('/healthz'))).toBe(true);
      expect(steps.find((s) => s.keyword === 'CMD')?.args).toBe(
        JSON.stringify(service(name).command).replaceAll(',', ', '),
      );
      // npm ci checks the lockfile against every workspace manifest.
      for (const ws of workspaces)
        expect(text, `${name}/Dockerfile copies ${ws}/package.json`).toContain(
          `COPY ${ws}/package.json ${ws}/`,
        );
    },
  );

  it('tsx, which runs the TypeScript, is a production dependency of every image workspace', () => {
    for (const ws of dockerfiles) {
      const pkg = JSON.parse(readRepoFile(`${ws}/package.json`)) as { dependencies?: Record<string, string> };
      expect(pkg.dependencies?.tsx, `${ws}/package.json dependencies.tsx`).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });

  it('.dockerignore lets through every source a Dockerfile copies, and nothing else', () => {
    const allowed = readRepoFile('.dockerignore')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1));
    const matches = (path: string) =>
      allowed.some(
        (a) =>
          a === path ||
          path.startsWith(`${a}/`) ||
          (a === '*/package.json' && /^[^/]+\/package\.json$/.test(path)),
      );
    for (const name of dockerfiles)
      for (const step of dockerfileInstructions(readRepoFile(`${name}/Dockerfile`)))
        if (step.keyword === 'COPY' && !step.args.startsWith('--from')) {
          const sources = step.args.split(/\s+/).slice(0, -1);
          for (const src of sources) expect(matches(src), `${name}/Dockerfile: COPY ${src}`).toBe(true);
        }
  });
});
