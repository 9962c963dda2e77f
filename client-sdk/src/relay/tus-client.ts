// Browser-safe: the tus 1.0 client the SDK uploads relay objects with (creation, HEAD, PATCH,
// termination; core + creation + termination extensions). fetch only, no Node APIs.
import { HypersendError } from '../errors.ts';
import { RELAY_REQUEST_TIMEOUT_MS, type RelayEndpoint, relayFetch } from './relay-http.ts';

const TUS = { 'tus-resumable': '1.0.0' };

/** What the relay records about an object: who it is for and where it sits in the transfer. */
export interface UploadTarget {
  recipient: string;
  transferId: string;
  firstChunk: number;
  /** Total bytes (no deferred length: the relay charges its quota at creation). */
  length: number;
}

/**
 * Minimal tus 1.0 client for the relay's `/v1/uploads`.
 *
 * @example
 * const tus = new TusClient({ url: relayUrl, token: () => session.token() });
 * const path = await tus.create({ recipient, transferId, firstChunk: 0, length });
 * let offset = (await tus.head(path)).offset;
 * offset = await tus.patch(path, offset, bytes);
 */
export class TusClient {
  constructor(private readonly ep: RelayEndpoint) {}

  /** Create an upload; returns its path (`/v1/uploads/<id>`). */
  async create(t: UploadTarget): Promise<string> {
    const meta = [
      `recipient ${b64(t.recipient)}`,
      `transferId ${b64(t.transferId)}`,
      `firstChunk ${b64(String(t.firstChunk))}`,
    ].join(',');
    const res = await relayFetch(
      this.ep,
      '/v1/uploads',
      { method: 'POST', headers: { ...TUS, 'upload-length': String(t.length), 'upload-metadata': meta } },
      { timeoutMs: RELAY_REQUEST_TIMEOUT_MS, expect: [201] },
    );
    const location = res.headers.get('location') ?? '';
    const path = new URL(location, `${this.ep.url}/`).pathname;
    if (!/^\/v1\/uploads\/[A-Za-z0-9_-]{22}$/u.test(path))
      throw new HypersendError('bad_response', 'relay answered creation without a usable Location');
    return path;
  }

  /** The durable offset and the declared length of an upload. */
  async head(path: string): Promise<{ offset: number; length: number }> {
    const res = await relayFetch(
      this.ep,
      path,
      { method: 'HEAD', headers: { ...TUS } },
      { timeoutMs: RELAY_REQUEST_TIMEOUT_MS, expect: [200, 204] },
    );
    const offset = Number(res.headers.get('upload-offset'));
    const length = Number(res.headers.get('upload-length'));
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || offset > length)
      throw new HypersendError('bad_response', 'relay HEAD without a valid Upload-Offset');
    return { offset, length };
  }

  /**
   * Append `body` at `offset`; resolves with the new durable offset (the relay fsyncs before it
   * answers).
   *
   * @throws HypersendError `conflict` when `offset` is not the relay's, `relay_unavailable`.
   */
  async patch(path: string, offset: number, body: Uint8Array, signal?: AbortSignal): Promise<number> {
    const res = await relayFetch(
      this.ep,
      path,
      {
        method: 'PATCH',
        headers: {
          ...TUS,
          'upload-offset': String(offset),
          'content-type': 'application/offset+octet-stream',
        },
        body: body as Uint8Array<ArrayBuffer>,
        ...(signal ? { signal } : {}),
      },
      { timeoutMs: 120_000, expect: [204] },
    );
    const next = Number(res.headers.get('upload-offset'));
    if (!Number.isSafeInteger(next) || next < offset)
      throw new HypersendError('bad_response', 'relay PATCH without a valid Upload-Offset');
    return next;
  }

  /** Delete an upload and its bytes (tus termination). A missing upload is not an error. */
  async terminate(path: string): Promise<void> {
    await relayFetch(
      this.ep,
      path,
      { method: 'DELETE', headers: { ...TUS } },
      { timeoutMs: RELAY_REQUEST_TIMEOUT_MS, expect: [204, 404] },
    );
  }
}

function b64(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}
