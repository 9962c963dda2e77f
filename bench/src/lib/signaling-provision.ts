import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { benchUsername } from './signaling-tokens.ts';

/** One benchmark identity: user index, server-side user id, device id and bearer token. */
export interface BenchIdentity {
  index: number;
  userId: string;
  deviceId: string;
  token: string;
}

/**
 * Run `task(0 … count-1)` with at most `concurrency` in flight; rejects on the first failure.
 *
 * @example
 * await bounded(10_000, 64, (i) => registerDevice(ids[i]!));
 */
export async function bounded(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}

/**
 * Provisioning over the public HTTP API, through one keep-alive agent: one device per user
 * (`POST /v1/devices`, which also provisions the external user on first sight), then each pair
 * (2k, 2k+1) becomes mutual contacts (`POST /v1/contacts/requests` + `/accept`). Returns the
 * number of HTTP requests made.
 */
export async function provisionPairs(
  baseUrl: string,
  ids: readonly BenchIdentity[],
  concurrency: number,
): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const post = postJson.bind(null, agent, baseUrl);
  try {
    await bounded(ids.length, concurrency, async (i) => {
      const id = ids[i]!;
      const body = {
        deviceId: id.deviceId,
        name: `bench device ${id.index}`,
        // Shaped like public keys, which is all the server checks; the bench does no crypto.
        x25519: randomBytes(32).toString('base64url'),
        ed25519: randomBytes(32).toString('base64url'),
      };
      await post('/v1/devices', id.token, body, [200, 201]);
    });
    await bounded(ids.length / 2, concurrency, async (k) => {
      const a = ids[2 * k]!;
      const b = ids[2 * k + 1]!;
      await post('/v1/contacts/requests', a.token, { username: benchUsername(b.index) }, [202]);
      await post(`/v1/contacts/${a.userId}/accept`, b.token, {}, [200]);
    });
    return ids.length * 2;
  } finally {
    agent.destroy();
  }
}

function postJson(
  agent: Agent,
  baseUrl: string,
  path: string,
  token: string,
  body: unknown,
  expect: readonly number[],
): Promise<void> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${baseUrl}${path}`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          authorization: `Bearer ${token}`,
        },
        timeout: 30_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          if (expect.includes(res.statusCode ?? 0)) resolve();
          else reject(new Error(`POST ${path}: ${res.statusCode} ${text.slice(0, 300)}`));
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`POST ${path}: timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}
