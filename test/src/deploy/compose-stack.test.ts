// The processes docker-compose.yml starts, started without Docker: same commands, the image ENV
// plus the compose environment (derived by parsing the files, production mode, freshly generated
// secrets), with container addresses remapped to loopback. MongoDB is the suite's FerretDB and
// coturn is the turn/ launcher (test profile: the production policy refuses loopback peers).
// Two CLI peers then carry a file through the stack over TURN, byte-identical; the relay takes an
// upload authenticated by this signaling's tokens; the web app serves its runtime config.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createUpload, patchUpload } from '../../../relay/src/test-support.ts';
import { type CoturnInstance, startCoturn } from '../../../turn/src/index.ts';
import { befriendViaCli, killAll, Peer } from '../cli/cli-harness.ts';
import { useMongoTestDb } from '../fixtures/mongo-test-db.ts';
import { randomUsername, registerUser } from '../helpers/users.ts';
import { type ComposeFile, loadCompose, readRepoFile } from './compose-model.ts';
import {
  freePort,
  imageEnv,
  runToCompletion,
  type ServiceProcess,
  startServiceProcess,
  waitHealthy,
} from './compose-processes.ts';
import { filledEnv } from './deploy-env.ts';

const mongo = useMongoTestDb('hypersend_deploy');
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let compose: ComposeFile;
let env: Record<string, string>;
let coturn: CoturnInstance;
let dir: string;
let ports: { signaling: number; relay: number; web: number };
const processes: ServiceProcess[] = [];
const url = (port: number) => `http://127.0.0.1:${port}`;

/** The compose environment of `name` over its image's ENV, with container addresses remapped. */
function processEnv(name: string, dockerfile: string): Record<string, string> {
  const merged: Record<string, string> = {
    ...imageEnv(dockerfile),
    ...(compose.services[name]?.environment ?? {}),
  };
  const remap: Record<string, string> = {
    HOST: '127.0.0.1',
    PORT: String(ports.signaling),
    RELAY_HOST: '127.0.0.1',
    RELAY_PORT: String(ports.relay),
    WEB_HOST: '127.0.0.1',
    WEB_PORT: String(ports.web),
    HYPERSEND_DATA_DIR: join(dir, `${name}-data`),
    RELAY_DATA_DIR: join(dir, 'relay-data'),
    TURN_STATE_DIR: dir,
    MONGODB_URI: mongo.uri(),
    MONGODB_DB: mongo.db,
  };
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(merged)) {
    let v = key in remap ? (remap[key] ?? value) : value;
    // The relay reaches signaling by its compose service name.
    v = v.replace('http://signaling:8080', url(ports.signaling));
    out[key] = v;
  }
  return out;
}

function service(name: string) {
  const s = compose.services[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hs-deploy-'));
  ports = { signaling: await freePort(), relay: await freePort(), web: await freePort() };
  const turnSecret = randomBytes(32).toString('hex');
  coturn = await startCoturn({ secrets: [turnSecret] });
  env = {
    ...filledEnv({
      signaling: url(ports.signaling),
      relay: url(ports.relay),
      web: url(ports.web),
      turnUris: `${coturn.url}?transport=udp`,
    }),
    HYPERSEND_TURN_SECRETS: turnSecret,
  };
  compose = loadCompose(readRepoFile('docker-compose.yml'), env);
  expect(service('signaling').environment?.HYPERSEND_ENV).toBe('production');
  expect(service('relay').environment?.HYPERSEND_ENV).toBe('production');

  const started = [
    startServiceProcess('signaling', service('signaling'), processEnv('signaling', 'signaling/Dockerfile')),
    startServiceProcess('relay', service('relay'), processEnv('relay', 'relay/Dockerfile')),
    startServiceProcess('web', service('web'), processEnv('web', 'web/Dockerfile')),
  ];
  processes.push(...started);
  const [sig, relay, web] = started as [ServiceProcess, ServiceProcess, ServiceProcess];
  await Promise.all([
    waitHealthy(sig, service('signaling').healthcheck?.test, [8080, ports.signaling]),
    waitHealthy(relay, service('relay').healthcheck?.test, [8090, ports.relay]),
    waitHealthy(web, service('web').healthcheck?.test, [8070, ports.web]),
  ]);
}, 120_000);

afterEach(() => killAll());
afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await coturn?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the compose stack without Docker', () => {
  it('coturn-config renders a 0600 production file, and refuses a placeholder secret', async () => {
    const svc = service('coturn-config');
    const out = join(dir, 'turnserver.conf');
    const ok = await runToCompletion(
      'coturn-config',
      { ...svc, command: [...(svc.command ?? []).slice(0, -1), out] },
      processEnv('coturn-config', 'signaling/Dockerfile'),
    );
    expect(ok.code, ok.output).toBe(0);
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    const conf = await readFile(out, 'utf8');
    expect(conf).toContain(`static-auth-secret=${env.HYPERSEND_TURN_SECRETS}`);
    expect(conf).toContain(`realm=${env.TURN_REALM}`);
    expect(conf).toMatch(/^denied-peer-ip=::ffff:0\.0\.0\.0-::ffff:255\.255\.255\.255$/m);
    expect(conf).not.toMatch(/allow-loopback-peers|allowed-peer-ip/);

    const refused = await runToCompletion(
      'coturn-config',
      { ...svc, command: [...(svc.command ?? []).slice(0, -1), join(dir, 'refused.conf')] },
      { ...processEnv('coturn-config', 'signaling/Dockerfile'), HYPERSEND_TURN_SECRETS: 'changeme' },
    );
    expect(refused.code).toBe(78);
    expect(refused.output).toMatch(/configuration refused/);
    expect(refused.output).not.toContain('changeme');
  });

  it('signaling in production refuses to start without its signing key (exit 78)', async () => {
    const { HYPERSEND_JWT_PRIVATE_KEY: _key, ...withoutKey } = processEnv(
      'signaling',
      'signaling/Dockerfile',
    );
    const run = await runToCompletion('signaling', service('signaling'), { ...withoutKey, PORT: '0' });
    expect(run.code, run.output).toBe(78);
    expect(run.output).toMatch(/HYPERSEND_JWT_PRIVATE_KEY/);
  });

  it('two CLI peers transfer a file over TURN through the stack, byte-identical', async () => {
    const a = await Peer.create(url(ports.signaling), randomUsername('alice'));
    const b = await Peer.create(url(ports.signaling), randomUsername('bob'));
    try {
      await befriendViaCli(a, b);
      const file = join(a.home, 'stack.bin');
      const body = randomBytes(1024 * 1024 + 17);
      await writeFile(file, body);
      const rx = b.spawn(['receive', '--yes', '--dir', b.home, '--json'], {
        timeoutMs: 150_000,
        env: { HYPERSEND_TURN_ONLY: '1' },
      });
      await rx.waitFor(/"event":"ready"/u);
      const tx = await a.run(['send', file, '--to', b.username, '--turn-only', '--json'], {
        timeoutMs: 150_000,
      });
      const got = await rx.done;
      expect(tx.code, tx.stderr).toBe(0);
      expect(got.code, got.stderr).toBe(0);
      expect(sha256(await readFile(join(b.home, 'stack.bin')))).toBe(sha256(body));
      // The selected candidate pair was relayed by coturn on both sides.
      for (const out of [tx.stdout, got.stdout])
        expect(out.split('\n').filter((l) => l.includes('"event":"connected"'))).toEqual([
          expect.stringContaining('"path":"turn"'),
        ]);
    } finally {
      await Promise.all([a.cleanup(), b.cleanup()]);
    }
    // Bounded generously: each CLI run starts Node and tsx, which takes seconds on a loaded machine.
  }, 240_000);

  it('the relay stores an upload authenticated by this signaling and hands it to the recipient only', async () => {
    const signaling = { url: url(ports.signaling) };
    const [alice, bob] = await Promise.all([registerUser(signaling), registerUser(signaling)]);
    const relay = url(ports.relay);
    const body = randomBytes(40_000);
    const created = await createUpload(relay, alice.accessToken, {
      recipient: bob.userId,
      length: body.length,
    });
    expect(created.status).toBe(201);
    const upload = new URL(created.headers.get('location') ?? '', relay).toString();
    expect((await patchUpload(upload, alice.accessToken, 0, body)).status).toBe(204);
    const id = upload.slice(upload.lastIndexOf('/') + 1);
    const asBob = await fetch(`${relay}/v1/objects/${id}`, {
      headers: { authorization: `Bearer ${bob.accessToken}` },
    });
    expect(sha256(new Uint8Array(await asBob.arrayBuffer()))).toBe(sha256(body));
    const asAlice = await fetch(`${relay}/v1/objects/${id}`, {
      headers: { authorization: `Bearer ${alice.accessToken}` },
    });
    expect(asAlice.status).toBe(404);
  });

  it('the web app serves its page and points browsers at the public signaling and relay URLs', async () => {
    const page = await fetch(url(ports.web));
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    const config = (await (await fetch(`${url(ports.web)}/config.json`)).json()) as Record<string, unknown>;
    expect(JSON.stringify(config)).toContain(url(ports.signaling));
    expect(JSON.stringify(config)).toContain(url(ports.relay));
  });

  it('signaling and the relay stop cleanly on SIGTERM, as `docker compose stop` sends', async () => {
    const [sig, relay] = processes;
    expect(await relay?.stop()).toBe(0);
    expect(await sig?.stop()).toBe(0);
  });

  it('signaling wrote nothing to disk (its container is read-only); the relay only into its volume', async () => {
    // HYPERSEND_DATA_DIR (the image's /data) is unused with MongoDB: no volume is needed there.
    expect(existsSync(join(dir, 'signaling-data'))).toBe(false);
    expect(existsSync(join(dir, 'web-data'))).toBe(false);
    expect((await readdir(join(dir, 'relay-data'))).length).toBeGreaterThan(0);
  });
});
