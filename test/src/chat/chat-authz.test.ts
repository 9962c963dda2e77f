import type { ConversationInfo } from '@hypersend/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { makeContacts, postJson, registerDevice, registerUser, type TestUser } from '../helpers/users.ts';
import { connectWs, type TestSocket } from '../helpers/ws-client.ts';

// Authorization of every chat route and frame, and membership changes, over raw HTTP and
// WebSocket (no SDK): a non-member must get exactly what a missing conversation gets.

const envelope = (user: string, device: string) => ({
  user,
  device,
  nonce: 'A'.repeat(32),
  box: 'B'.repeat(40),
});

async function call(
  server: TestServer,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  token: string | undefined,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

describe('chat authorization and membership', () => {
  let server: TestServer;
  let owner: TestUser;
  let member: TestUser;
  let stranger: TestUser;
  let late: TestUser;
  let conv: ConversationInfo;
  let strangerWs: TestSocket;
  let memberWs: TestSocket;
  let memberDevice: string;

  beforeAll(async () => {
    server = await startTestServer();
    [owner, member, stranger, late] = await Promise.all([
      registerUser(server),
      registerUser(server),
      registerUser(server),
      registerUser(server),
    ]);
    await makeContacts(server, owner, member);
    await makeContacts(server, owner, late);
    conv = await postJson<ConversationInfo>(
      server,
      '/v1/conversations',
      { kind: 'group', members: [member.userId], title: 'Plans' },
      { token: owner.accessToken, expect: 201 },
    );
    const strangerDevice = (await registerDevice(server, stranger)).deviceId;
    memberDevice = (await registerDevice(server, member)).deviceId;
    strangerWs = await connectWs(server, { token: stranger.accessToken, device: strangerDevice });
    memberWs = await connectWs(server, { token: member.accessToken, device: memberDevice });
    memberWs.send({ type: 'chat.sync', id: 's0' });
    // The catch-up replays the creation (a system message), then says it is done.
    const created = await memberWs.next('chat.message');
    expect(created.message.system).toMatchObject({ event: 'created', actor: owner.userId });
    expect(await memberWs.next('chat.synced')).toMatchObject({ ref: 's0', messages: 1 });
  });

  afterAll(async () => {
    strangerWs?.close();
    memberWs?.close();
    await server?.close();
  });

  it('every route needs a token', async () => {
    const paths: Array<['GET' | 'POST' | 'DELETE', string, unknown?]> = [
      ['GET', '/v1/conversations'],
      ['POST', '/v1/conversations', { kind: 'direct', members: [member.userId] }],
      ['GET', `/v1/conversations/${conv.id}`],
      ['POST', `/v1/conversations/${conv.id}/rename`, { title: 'x' }],
      ['POST', `/v1/conversations/${conv.id}/members`, { members: [late.userId] }],
      ['DELETE', `/v1/conversations/${conv.id}/members/${member.userId}`],
      ['POST', `/v1/conversations/${conv.id}/leave`],
      ['POST', `/v1/conversations/${conv.id}/history`, { device: 'd1' }],
    ];
    for (const [method, path, body] of paths)
      expect((await call(server, method, path, undefined, body)).status, `${method} ${path}`).toBe(401);
  });

  it('a non-member gets the same 404 as for a conversation that does not exist', async () => {
    const routes = (id: string): Array<['GET' | 'POST' | 'DELETE', string, unknown?]> => [
      ['GET', `/v1/conversations/${id}`],
      ['POST', `/v1/conversations/${id}/rename`, { title: 'mine now' }],
      ['POST', `/v1/conversations/${id}/members`, { members: [stranger.userId] }],
      ['DELETE', `/v1/conversations/${id}/members/${member.userId}`],
      ['POST', `/v1/conversations/${id}/leave`],
      ['POST', `/v1/conversations/${id}/history`, { device: 'd1' }],
    ];
    const real = routes(conv.id);
    const missing = routes('c_doesnotexist');
    for (let i = 0; i < real.length; i++) {
      const [method, path, body] = real[i]!;
      const a = await call(server, method, path, stranger.accessToken, body);
      const [m2, p2, b2] = missing[i]!;
      const b = await call(server, m2, p2, stranger.accessToken, b2);
      expect(a.status, `${method} ${path}`).toBe(404);
      expect(a).toEqual(b);
    }
    const list = await call(server, 'GET', '/v1/conversations', stranger.accessToken);
    expect(list.json).toEqual({ conversations: [] });
  });

  it('a non-member’s frames are refused like a missing conversation’s, and nothing is delivered', async () => {
    const frames = (c: string, n: string) => [
      {
        type: 'chat.send',
        id: `send${n}`,
        conversation: c,
        messageId: `m_x${n}`,
        kind: 'text',
        envelopes: [envelope(member.userId, memberDevice)],
      },
      { type: 'chat.receipt', id: `rcpt${n}`, conversation: c, kind: 'read', seq: 1 },
      { type: 'chat.typing', id: `type${n}`, conversation: c },
      { type: 'chat.delete', id: `del${n}`, conversation: c, messageId: 'm_any' },
    ];
    for (const [i, frame] of frames(conv.id, 'a').entries()) {
      strangerWs.send(frame);
      const real = await strangerWs.next('error', (e) => e.ref === frame.id);
      const twin = frames('c_doesnotexist', 'b')[i]!;
      strangerWs.send(twin);
      const missing = await strangerWs.next('error', (e) => e.ref === twin.id);
      expect(real.code).toBe('not_found');
      expect({ ...real, ref: '' }).toEqual({ ...missing, ref: '' });
    }
    expect(await memberWs.none('chat.message', 200)).toBe(true);
    expect(await memberWs.none('chat.typing', 1)).toBe(true);
  });

  it('only accepted contacts can be put in a conversation', async () => {
    const r = await call(server, 'POST', '/v1/conversations', owner.accessToken, {
      kind: 'direct',
      members: [stranger.userId],
    });
    expect(r.status).toBe(404);
  });

  it('owner renames and adds; members cannot; removal and leaving are announced and revoke access', async () => {
    const system: string[] = [];
    const seen = (await call(server, 'POST', `/v1/conversations/${conv.id}/rename`, member.accessToken, {
      title: 'Hijack',
    })) as { status: number };
    expect(seen.status).toBe(403);
    const renamed = await call(server, 'POST', `/v1/conversations/${conv.id}/rename`, owner.accessToken, {
      title: 'Plans 2',
    });
    expect(renamed.json).toMatchObject({ title: 'Plans 2' });
    const added = await call(server, 'POST', `/v1/conversations/${conv.id}/members`, owner.accessToken, {
      members: [late.userId],
    });
    expect((added.json as ConversationInfo).members.map((m) => m.userId).sort()).toEqual(
      [owner.userId, member.userId, late.userId].sort(),
    );
    // The member's live socket sees the membership events as system messages, in order.
    for (const event of ['renamed', 'added']) {
      const f = await memberWs.next('chat.message', (m) => m.message.kind === 'system');
      system.push(f.message.system!.event);
      expect(f.message.system!.event).toBe(event);
    }
    // Members of a shared conversation may see each other's device keys now (not contacts).
    const lateDevices = await fetch(`${server.url}/v1/users/${member.username}/devices`, {
      headers: { authorization: `Bearer ${late.accessToken}` },
    });
    expect(lateDevices.status).toBe(200);

    const removed = await call(
      server,
      'DELETE',
      `/v1/conversations/${conv.id}/members/${member.userId}`,
      owner.accessToken,
    );
    expect(removed.status).toBe(204);
    const removal = await memberWs.next('chat.message', (m) => m.message.kind === 'system');
    expect(removal.message.system).toMatchObject({ event: 'removed', users: [member.userId] });
    expect((await call(server, 'GET', `/v1/conversations/${conv.id}`, member.accessToken)).status).toBe(404);

    // Owner leaves: ownership passes on; the conversation stays for the others.
    expect((await call(server, 'POST', `/v1/conversations/${conv.id}/leave`, owner.accessToken)).status).toBe(
      204,
    );
    const after = (await call(server, 'GET', `/v1/conversations/${conv.id}`, late.accessToken))
      .json as ConversationInfo;
    expect(after.members).toEqual([expect.objectContaining({ userId: late.userId, role: 'owner' })]);
    const history = (
      await call(server, 'POST', `/v1/conversations/${conv.id}/history`, late.accessToken, {
        device: 'd_any',
      })
    ).json as { messages: Array<{ kind: string; system?: { event: string } }> };
    expect(history.messages.map((m) => m.system?.event)).toEqual([
      'created',
      'renamed',
      'added',
      'removed',
      'left',
    ]);
  });

  it('enforces limits with typed errors: envelope addressed outside, members per group', async () => {
    const c = await postJson<ConversationInfo>(
      server,
      '/v1/conversations',
      { kind: 'group', members: [late.userId] },
      { token: owner.accessToken, expect: 201 },
    );
    const ownerDevice = (await registerDevice(server, owner)).deviceId;
    const ws = await connectWs(server, { token: owner.accessToken, device: ownerDevice });
    try {
      ws.send({
        type: 'chat.send',
        id: 'out',
        conversation: c.id,
        messageId: 'm_out',
        kind: 'text',
        envelopes: [envelope(stranger.userId, 'd1')],
      });
      expect((await ws.next('error', (e) => e.ref === 'out')).code).toBe('bad_request');
      ws.send({
        type: 'chat.send',
        id: 'big',
        conversation: c.id,
        messageId: 'm_big',
        kind: 'text',
        envelopes: [{ ...envelope(late.userId, 'd1'), box: 'B'.repeat(8000) }],
      });
      expect((await ws.next('error', (e) => e.ref === 'big')).code).toBe('payload_too_large');
      ws.send({
        type: 'chat.send',
        id: 'many',
        conversation: c.id,
        messageId: 'm_many',
        kind: 'text',
        envelopes: Array.from({ length: 129 }, (_, i) => envelope(late.userId, `d${i}`)),
      });
      expect((await ws.next('error', (e) => e.ref === 'many')).code).toBe('limit_exceeded');
    } finally {
      ws.close();
    }
    const tooMany = await call(server, 'POST', '/v1/conversations', owner.accessToken, {
      kind: 'group',
      members: Array.from({ length: 32 }, (_, i) => `u_fake${i}`),
    });
    expect(tooMany.status).toBe(400); // schema: at most 31 others
  });
});
