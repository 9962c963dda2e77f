import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRelayConfig, type RelayEnvName } from './config.ts';
import type { Clock } from './context.ts';
import { createRelayServer, type RelayServer } from './server.ts';

/** Tests only: a relay on port 0 in a fresh directory, trusting the given signaling server. */
export type TestRelay = RelayServer & { dataDir: string };

/** A clock tests move by hand. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
}

/** Start at the real time so JWT validity (checked by jose against the system clock) is unaffected. */
export function manualClock(start = Date.now()): ManualClock {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

/**
 * Start a relay for tests against `signalingUrl` (its JWKS and issuer).
 *
 * @example
 * const relay = await startTestRelay(signaling.url, { RELAY_MAX_PENDING_PER_RECIPIENT: '2' });
 */
export async function startTestRelay(
  signalingUrl: string,
  overrides: Partial<Record<RelayEnvName, string>> = {},
  options: { clock?: Clock } = {},
): Promise<TestRelay> {
  const dataDir = await mkdtemp(join(tmpdir(), 'hypersend-relay-'));
  const config = loadRelayConfig({
    RELAY_HOST: '127.0.0.1',
    RELAY_PORT: '0',
    RELAY_DATA_DIR: dataDir,
    RELAY_JWKS_URL: `${signalingUrl}/v1/jwks.json`,
    RELAY_JWT_ISSUER: signalingUrl,
    LOG_LEVEL: 'silent',
    ...overrides,
  });
  const relay = await createRelayServer({ config, ...(options.clock ? { clock: options.clock } : {}) });
  return {
    ...relay,
    dataDir,
    async close() {
      await relay.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** tus `Upload-Metadata` for an object. */
export function uploadMetadata(recipient: string, transferId: string, firstChunk = 0): string {
  return `recipient ${b64(recipient)},transferId ${b64(transferId)},firstChunk ${b64(String(firstChunk))}`;
}

/** Headers of a tus request with a bearer token. */
export function tusHeaders(
  token: string | undefined,
  extra: Record<string, string> = {},
): Record<string, string> {
  return { 'tus-resumable': '1.0.0', ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra };
}

/** Create an upload; returns the response (Location holds the upload URL on 201). */
export function createUpload(
  relayUrl: string,
  token: string | undefined,
  options: { recipient: string; transferId?: string; firstChunk?: number; length: number; metadata?: string },
): Promise<Response> {
  return fetch(`${relayUrl}/v1/uploads`, {
    method: 'POST',
    headers: tusHeaders(token, {
      'upload-length': String(options.length),
      'upload-metadata':
        options.metadata ??
        uploadMetadata(options.recipient, options.transferId ?? 't_1', options.firstChunk ?? 0),
    }),
  });
}

/** PATCH bytes at `offset`. */
export function patchUpload(
  uploadUrl: string,
  token: string | undefined,
  offset: number,
  body: Uint8Array<ArrayBuffer>,
): Promise<Response> {
  return fetch(uploadUrl, {
    method: 'PATCH',
    headers: tusHeaders(token, {
      'upload-offset': String(offset),
      'content-type': 'application/offset+octet-stream',
    }),
    body,
  });
}
