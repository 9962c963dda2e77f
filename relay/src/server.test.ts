import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { importPKCS8, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/src/helpers/server.ts';
import { registerUser, type TestUser } from '../../test/src/helpers/users.ts';
import {
  createUpload,
  patchUpload,
  startTestRelay,
  type TestRelay,
  tusHeaders,
  uploadMetadata,
} from './test-support.ts';

// The relay against a real signaling server (its JWKS and tokens), over real HTTP.

const { privateKey } = generateKeyPairSync('ed25519');
const SIGNING_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

let signaling: TestServer;
let relay: TestRelay;
let alice: TestUser;
let bob: TestUser;
let mallory: TestUser;

beforeAll(async () => {
  signaling = await startTestServer({ HYPERSEND_JWT_PRIVATE_KEY: SIGNING_PEM });
  relay = await startTestRelay(signaling.url);
  [alice, bob, mallory] = await Promise.all([
    registerUser(signaling),
    registerUser(signaling),
    registerUser(signaling),
  ]);
});
afterAll(async () => {
  await relay?.close();
  await signaling?.close();
});

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

/** Create an upload for bob from alice and return its absolute URL. */
async function newUpload(length: number, token = alice.accessToken, recipient = bob.userId): Promise<string> {
  const res = await createUpload(relay.url, token, { recipient, transferId: 't_abc', firstChunk: 7, length });
  expect(res.status).toBe(201);
  const location = res.headers.get('location');
  expect(location).toMatch(/\/v1\/uploads\/[A-Za-z0-9_-]{22}$/);
  return new URL(location ?? '', relay.url).toString();
}
const idOf = (uploadUrl: string) => uploadUrl.slice(uploadUrl.lastIndexOf('/') + 1);

/** Upload `body` completely, in two PATCHes. */
async function uploadAll(body: Uint8Array<ArrayBuffer>): Promise<string> {
  const url = await newUpload(body.length);
  const half = Math.floor(body.length / 2);
  expect((await patchUpload(url, alice.accessToken, 0, body.subarray(0, half))).status).toBe(204);
  const last = await patchUpload(url, alice.accessToken, half, body.subarray(half));
  expect(last.status).toBe(204);
  expect(last.headers.get('upload-offset')).toBe(String(body.length));
  return idOf(url);
}

async function forge(
  claims: { iss?: string; aud?: string; sub?: string },
  pem = SIGNING_PEM,
): Promise<string> {
  const key = await importPKCS8(pem, 'EdDSA');
  return new SignJWT({})
    .setProtectedHeader({ alg: 'EdDSA' })
    .setIssuer(claims.iss ?? signaling.url)
    .setAudience(claims.aud ?? 'hypersend')
    .setSubject(claims.sub ?? alice.userId)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key);
}

describe('tus 1.0 uploads', () => {
  it('answers OPTIONS with the protocol version and extensions', async () => {
    const res = await fetch(`${relay.url}/v1/uploads`, { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.headers.get('tus-version')).toContain('1.0.0');
    expect(res.headers.get('tus-extension')).toMatch(/creation.*termination.*expiration/);
    expect(res.headers.get('tus-max-size')).toBe(String(64 * 1024 ** 3));
  });

  it('creates, reports the offset with HEAD, resumes with PATCH and completes', async () => {
    const body = randomBytes(300_000);
    const url = await newUpload(body.length);
    let head = await fetch(url, { method: 'HEAD', headers: tusHeaders(alice.accessToken) });
    expect(head.status).toBe(200);
    expect(head.headers.get('upload-offset')).toBe('0');
    expect(head.headers.get('upload-length')).toBe(String(body.length));
    expect(head.headers.get('cache-control')).toBe('no-store');

    expect((await patchUpload(url, alice.accessToken, 0, body.subarray(0, 100_000))).status).toBe(204);
    // A PATCH at a stale offset is refused without touching the upload.
    expect((await patchUpload(url, alice.accessToken, 0, body.subarray(0, 10))).status).toBe(409);
    head = await fetch(url, { method: 'HEAD', headers: tusHeaders(alice.accessToken) });
    expect(head.headers.get('upload-offset')).toBe('100000');
    const done = await patchUpload(url, alice.accessToken, 100_000, body.subarray(100_000));
    expect(done.status).toBe(204);
    expect(done.headers.get('upload-offset')).toBe(String(body.length));

    const list = (await (
      await fetch(`${relay.url}/v1/objects`, { headers: bearer(bob.accessToken) })
    ).json()) as {
      objects: { id: string; size: number; transferId: string; firstChunk: number; uploader: string }[];
    };
    expect(list.objects).toContainEqual(
      expect.objectContaining({
        id: idOf(url),
        size: body.length,
        transferId: 't_abc',
        firstChunk: 7,
        uploader: alice.userId,
      }),
    );
    const got = await fetch(`${relay.url}/v1/objects/${idOf(url)}`, { headers: bearer(bob.accessToken) });
    expect(got.status).toBe(200);
    expect(got.headers.get('accept-ranges')).toBe('bytes');
    expect(sha256(new Uint8Array(await got.arrayBuffer()))).toBe(sha256(body));
  });

  it('supports creation-with-upload', async () => {
    const body = randomBytes(1000);
    const res = await fetch(`${relay.url}/v1/uploads`, {
      method: 'POST',
      headers: tusHeaders(alice.accessToken, {
        'upload-length': '1000',
        'upload-metadata': uploadMetadata(bob.userId, 't_cwu'),
        'content-type': 'application/offset+octet-stream',
      }),
      body,
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('upload-offset')).toBe('1000');
    const id = idOf(res.headers.get('location') ?? '');
    const got = await fetch(`${relay.url}/v1/objects/${id}`, { headers: bearer(bob.accessToken) });
    expect(sha256(new Uint8Array(await got.arrayBuffer()))).toBe(sha256(body));
  });

  it('terminates an upload with DELETE (uploader only) and frees it', async () => {
    const url = await newUpload(1000);
    expect((await fetch(url, { method: 'DELETE', headers: tusHeaders(bob.accessToken) })).status).toBe(404);
    const del = await fetch(url, { method: 'DELETE', headers: tusHeaders(alice.accessToken) });
    expect(del.status).toBe(204);
    expect((await fetch(url, { method: 'HEAD', headers: tusHeaders(alice.accessToken) })).status).toBe(404);
    expect((await readdir(join(relay.dataDir, 'objects'))).filter((f) => f.startsWith(idOf(url)))).toEqual(
      [],
    );
  });

  it('requires metadata with exactly recipient, transferId and firstChunk', async () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    for (const metadata of [
      '',
      `recipient ${b64(bob.userId)},transferId ${b64('t')}`,
      `${uploadMetadata(bob.userId, 't')},filename ${b64('secret-plans.pdf')}`,
      `recipient ${b64('{"$gt":""}')},transferId ${b64('t')},firstChunk ${b64('0')}`,
      `recipient ${b64(bob.userId)},transferId ${b64('t')},firstChunk ${b64('-1')}`,
    ]) {
      const res = await createUpload(relay.url, alice.accessToken, { recipient: '', length: 10, metadata });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'bad_metadata' } });
    }
    const deferred = await fetch(`${relay.url}/v1/uploads`, {
      method: 'POST',
      headers: tusHeaders(alice.accessToken, {
        'upload-defer-length': '1',
        'upload-metadata': uploadMetadata(bob.userId, 't'),
      }),
    });
    expect(deferred.status).toBe(400);
    expect(await deferred.json()).toMatchObject({ error: { code: 'length_required' } });
  });
});

describe('authentication', () => {
  it('refuses requests without a token, with a forged one, or one for another issuer or audience', async () => {
    const { privateKey: otherKey } = generateKeyPairSync('ed25519');
    const otherPem = otherKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const url = await newUpload(10);
    const tokens = [
      undefined,
      'not-a-jwt',
      await forge({}, otherPem),
      await forge({ iss: 'https://evil.example' }),
      await forge({ aud: 'another-service' }),
      `${alice.accessToken.slice(0, -4)}AAAA`,
    ];
    for (const token of tokens) {
      const create = await createUpload(relay.url, token, { recipient: bob.userId, length: 10 });
      expect(create.status).toBe(401);
      expect(await create.json()).toMatchObject({ error: { code: 'unauthorized' } });
      expect((await patchUpload(url, token, 0, new Uint8Array(10))).status).toBe(401);
      const list = await fetch(`${relay.url}/v1/objects`, { headers: token ? bearer(token) : {} });
      expect(list.status).toBe(401);
    }
    // The same claims, correctly signed, are accepted: the refusals above are about the token.
    expect(
      (await createUpload(relay.url, await forge({}), { recipient: bob.userId, length: 10 })).status,
    ).toBe(201);
  });
});

describe('access control', () => {
  it('lets only the uploader HEAD or PATCH an upload', async () => {
    const url = await newUpload(10);
    for (const user of [bob, mallory]) {
      expect((await patchUpload(url, user.accessToken, 0, new Uint8Array(10))).status).toBe(404);
      expect((await fetch(url, { method: 'HEAD', headers: tusHeaders(user.accessToken) })).status).toBe(404);
    }
    expect((await patchUpload(url, alice.accessToken, 0, new Uint8Array(10))).status).toBe(204);
  });

  it('lets only the named recipient read or ack, and a stranger cannot tell forbidden from missing', async () => {
    const id = await uploadAll(randomBytes(1000));
    const missing = randomBytes(16).toString('base64url');
    const answer = async (path: string, token: string, method = 'GET') => {
      const res = await fetch(`${relay.url}${path}`, { method, headers: bearer(token) });
      const headers = [...res.headers.entries()].filter(([k]) => k !== 'date' && k !== 'keep-alive');
      return { status: res.status, body: await res.text(), headers };
    };
    const forbidden = await answer(`/v1/objects/${id}`, mallory.accessToken);
    expect(forbidden.status).toBe(404);
    expect(forbidden).toEqual(await answer(`/v1/objects/${missing}`, mallory.accessToken));
    // Even the uploader may not read it back.
    expect(await answer(`/v1/objects/${id}`, alice.accessToken)).toEqual(forbidden);
    expect(await answer(`/v1/objects/${id}/ack`, mallory.accessToken, 'POST')).toEqual(
      await answer(`/v1/objects/${missing}/ack`, mallory.accessToken, 'POST'),
    );
    // tus routes too: a stranger's HEAD on a real upload equals one on a missing id.
    const tusAnswer = async (uploadId: string) => {
      const res = await fetch(`${relay.url}/v1/uploads/${uploadId}`, {
        method: 'PATCH',
        headers: tusHeaders(mallory.accessToken, {
          'upload-offset': '0',
          'content-type': 'application/offset+octet-stream',
        }),
        body: new Uint8Array(1),
      });
      const headers = [...res.headers.entries()].filter(([k]) => k !== 'date' && k !== 'keep-alive');
      return { status: res.status, body: await res.text(), headers };
    };
    expect(await tusAnswer(id)).toEqual(await tusAnswer(missing));
    expect(
      (await fetch(`${relay.url}/v1/objects`, { headers: bearer(mallory.accessToken) }).then((r) =>
        r.json(),
      )) as unknown,
    ).toEqual({
      objects: [],
    });
    expect((await fetch(`${relay.url}/v1/objects/${id}`, { headers: bearer(bob.accessToken) })).status).toBe(
      200,
    );
  });

  it('does not show an incomplete upload to the recipient', async () => {
    const url = await newUpload(100);
    await patchUpload(url, alice.accessToken, 0, new Uint8Array(50));
    expect(
      (await fetch(`${relay.url}/v1/objects/${idOf(url)}`, { headers: bearer(bob.accessToken) })).status,
    ).toBe(404);
    const list = (await (
      await fetch(`${relay.url}/v1/objects`, { headers: bearer(bob.accessToken) })
    ).json()) as {
      objects: { id: string }[];
    };
    expect(list.objects.map((o) => o.id)).not.toContain(idOf(url));
  });
});

describe('downloads', () => {
  it('serves byte ranges so an interrupted download resumes', async () => {
    const body = randomBytes(200_000);
    const id = await uploadAll(body);
    const get = (range?: string) =>
      fetch(`${relay.url}/v1/objects/${id}`, {
        headers: { ...bearer(bob.accessToken), ...(range ? { range } : {}) },
      });

    // Read the first part and abort, as a dropped connection would.
    const controller = new AbortController();
    const first = await fetch(`${relay.url}/v1/objects/${id}`, {
      headers: bearer(bob.accessToken),
      signal: controller.signal,
    });
    const reader = first.body?.getReader();
    const chunk = await reader?.read();
    const received = chunk?.value ?? new Uint8Array();
    expect(received.length).toBeGreaterThan(0);
    controller.abort();

    const rest = await get(`bytes=${received.length}-`);
    expect(rest.status).toBe(206);
    expect(rest.headers.get('content-range')).toBe(
      `bytes ${received.length}-${body.length - 1}/${body.length}`,
    );
    const whole = Buffer.concat([received, new Uint8Array(await rest.arrayBuffer())]);
    expect(sha256(whole)).toBe(sha256(body));

    const middle = await get('bytes=10-19');
    expect(middle.status).toBe(206);
    expect(Buffer.from(await middle.arrayBuffer())).toEqual(body.subarray(10, 20));
    const suffix = await get('bytes=-5');
    expect(Buffer.from(await suffix.arrayBuffer())).toEqual(body.subarray(body.length - 5));
    const past = await get(`bytes=${body.length}-`);
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${body.length}`);
  });

  it('deletes bytes and metadata when the recipient acknowledges', async () => {
    const id = await uploadAll(randomBytes(5000));
    const ack = await fetch(`${relay.url}/v1/objects/${id}/ack`, {
      method: 'POST',
      headers: bearer(bob.accessToken),
    });
    expect(ack.status).toBe(204);
    expect((await fetch(`${relay.url}/v1/objects/${id}`, { headers: bearer(bob.accessToken) })).status).toBe(
      404,
    );
    expect((await readdir(join(relay.dataDir, 'objects'))).filter((f) => f.startsWith(id))).toEqual([]);
    const again = await fetch(`${relay.url}/v1/objects/${id}/ack`, {
      method: 'POST',
      headers: bearer(bob.accessToken),
    });
    expect(again.status).toBe(404);
  });
});

describe('what the relay stores', () => {
  it('keeps only ids and sizes: no file name or plaintext description on disk or in the store', async () => {
    // The marker is the file's name: the client never sends it, so it must appear nowhere.
    const marker = `holiday-photos-${randomBytes(8).toString('hex')}.zip`;
    const body = randomBytes(4096);
    const id = await uploadAll(body);
    const files = await readdir(relay.dataDir, { recursive: true });
    for (const name of files) {
      expect(name).not.toContain(marker);
      expect(name).not.toMatch(/\.(zip|pdf|jpg)$/);
      const path = join(relay.dataDir, name);
      const content = await readFile(path).catch(() => undefined);
      if (content) expect(content.includes(marker)).toBe(false);
    }
    // Only the object (named by its id) and tus' bookkeeping file, which holds no metadata.
    const objectFiles = (await readdir(join(relay.dataDir, 'objects'))).filter((f) => f.startsWith(id));
    expect(objectFiles.sort()).toEqual([id, `${id}.json`]);
    const info = JSON.parse(await readFile(join(relay.dataDir, 'objects', `${id}.json`), 'utf8')) as {
      metadata?: Record<string, unknown>;
    };
    expect(info.metadata ?? {}).toEqual({});
  });
});
