import { randomBytes } from 'node:crypto';
import type { DeviceInfo, TokenResponse } from '@hypersend/protocol';

/** Anything with the server's base URL (a `TestServer`, a `SignalingServer`). */
export interface HasUrl {
  url: string;
}

/** A registered and logged-in user, with the password kept for tests that log in again. */
export interface TestUser {
  userId: string;
  username: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

/** A registered device with its (random, not usable for crypto) public keys. */
export type TestDevice = DeviceInfo;

let counter = 0;

/** A fresh valid username (`u` + random suffix), unique within and across test runs. */
export function randomUsername(prefix = 'u'): string {
  counter += 1;
  return `${prefix}${counter}_${randomBytes(5).toString('hex')}`.slice(0, 32);
}

/** 32 random bytes, base64url: shaped like a public key, which is all the server checks. */
export function randomKey(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * POST JSON to the server and parse the JSON answer. Throws with the body on an unexpected status.
 *
 * @example
 * const body = await postJson(server, '/v1/auth/login', { username, password }, { expect: 200 });
 */
export async function postJson<T = unknown>(
  server: HasUrl,
  path: string,
  body: unknown,
  options: { token?: string; expect?: number } = {},
): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  const expected = options.expect ?? (res.ok ? res.status : 200);
  if (res.status !== expected) throw new Error(`POST ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * Register a user and log in.
 *
 * @example
 * const alice = await registerUser(server, 'alice');
 * await fetch(`${server.url}/v1/me`, { headers: { authorization: `Bearer ${alice.accessToken}` } });
 */
export async function registerUser(server: HasUrl, username = randomUsername()): Promise<TestUser> {
  const password = `pw-${randomBytes(12).toString('base64url')}`;
  await postJson(server, '/v1/auth/register', { username, password }, { expect: 201 });
  const tokens = await postJson<TokenResponse>(
    server,
    '/v1/auth/login',
    { username, password },
    { expect: 200 },
  );
  return {
    userId: tokens.userId,
    username,
    password,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
  };
}

/**
 * Make `a` and `b` accepted contacts of each other (request + accept).
 *
 * @example
 * await makeContacts(server, alice, bob);
 */
export async function makeContacts(server: HasUrl, a: TestUser, b: TestUser): Promise<void> {
  await postJson(
    server,
    '/v1/contacts/requests',
    { username: b.username },
    { token: a.accessToken, expect: 202 },
  );
  await postJson(server, `/v1/contacts/${a.userId}/accept`, {}, { token: b.accessToken, expect: 200 });
}

/**
 * Register a device for `user` with random keys.
 *
 * @example
 * const laptop = await registerDevice(server, alice, 'laptop');
 */
export async function registerDevice(
  server: HasUrl,
  user: TestUser,
  deviceId = `d_${randomBytes(6).toString('base64url')}`,
): Promise<TestDevice> {
  const registration = { deviceId, name: `device ${deviceId}`, x25519: randomKey(), ed25519: randomKey() };
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${user.accessToken}` };
  const res = await fetch(`${server.url}/v1/devices`, {
    method: 'POST',
    headers,
    body: JSON.stringify(registration),
  });
  const text = await res.text();
  if (res.status !== 201 && res.status !== 200) throw new Error(`POST /v1/devices: ${res.status} ${text}`);
  return JSON.parse(text) as TestDevice;
}
