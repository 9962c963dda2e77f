import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { MASK, MaskedTemplate, maskedFrame, RawWs } from './signaling-ws-client.ts';

/** Undo client masking the way a server does: header, then payload XOR mask. */
function unmask(frame: Buffer): { opcode: number; payload: string } {
  const len7 = (frame[1] as number) & 0x7f;
  const at = len7 === 126 ? 4 : len7 === 127 ? 10 : 2;
  const len = len7 === 126 ? frame.readUInt16BE(2) : len7 === 127 ? Number(frame.readBigUInt64BE(2)) : len7;
  expect((frame[1] as number) & 0x80).toBe(0x80);
  const mask = frame.subarray(at, at + 4);
  expect(mask.equals(MASK)).toBe(true);
  const out = Buffer.alloc(len);
  for (let i = 0; i < len; i++) out[i] = (frame[at + 4 + i] as number) ^ (mask[i & 3] as number);
  return { opcode: (frame[0] as number) & 0x0f, payload: out.toString('utf8') };
}

/** An unmasked server frame. */
function serverFrame(opcode: number, payload: string): Buffer {
  const body = Buffer.from(payload);
  const head = body.length < 126 ? Buffer.from([0x80 | opcode, body.length]) : Buffer.alloc(4);
  if (body.length >= 126) {
    head[0] = 0x80 | opcode;
    head[1] = 126;
    head.writeUInt16BE(body.length, 2);
  }
  return Buffer.concat([head, body]);
}

describe('signaling load generator WebSocket client', () => {
  it('masks frames so the server reads exactly the payload, for every length class', () => {
    for (const text of ['', 'x', 'y'.repeat(125), 'z'.repeat(126), 'w'.repeat(70_000)])
      expect(unmask(maskedFrame(1, Buffer.from(text)))).toEqual({ opcode: 1, payload: text });
  });

  it('fills a precomputed template with only the field masked anew', () => {
    const t = new MaskedTemplate('{"data":{"a":1,"t":', 16, '}}');
    for (const v of ['1.5', '12345.678', '9999999.999']) {
      const field = v.padStart(16);
      const { payload } = unmask(t.fill(field));
      expect(payload).toBe(`{"data":{"a":1,"t":${field}}}`);
      expect(JSON.parse(payload)).toEqual({ data: { a: 1, t: Number(v) } });
    }
  });

  it('fills a fixed-point number exactly as toFixed(3) right-aligned would', () => {
    const t = new MaskedTemplate('{"t":', 16, '}');
    for (const v of [0, 0.0004, 0.5, 5.5, 12.3456, 999.9995, 123456.789, 98765432.1, 1e12 - 1, -1]) {
      expect(unmask(t.fillFixed3(v)).payload, String(v)).toBe(`{"t":${v.toFixed(3).padStart(16)}}`);
    }
  });

  it('parses server frames split anywhere across reads, answers pings, stops at close', () => {
    const texts: string[] = [];
    const written: Buffer[] = [];
    let closed = '';
    const socket = { write: (b: Buffer) => written.push(b), destroy: () => {} } as unknown as Socket;
    const ws = new RawWs(socket, {
      onText: (buf, start, end) => texts.push(buf.toString('utf8', start, end)),
      onClose: (reason) => {
        closed = reason;
      },
    });
    const long = `{"type":"signal","data":"${'p'.repeat(300)}"}`;
    const stream = Buffer.concat([
      serverFrame(1, '{"type":"hello"}'),
      serverFrame(9, 'ping!'),
      serverFrame(1, long),
      serverFrame(1, '{"type":"ack"}'),
    ]);
    // Feed in small uneven pieces, each from a reused buffer, as the shared read buffer does.
    const scratch = Buffer.alloc(64);
    for (let at = 0, step = 1; at < stream.length; at += step, step = (step % 7) + 1) {
      const n = stream.copy(scratch, 0, at, Math.min(stream.length, at + step));
      ws.receive(scratch, 0, n);
      scratch.fill(0);
    }
    expect(texts).toEqual(['{"type":"hello"}', long, '{"type":"ack"}']);
    ws.flush();
    expect(written.map((b) => unmask(b))).toEqual([{ opcode: 10, payload: 'ping!' }]);
    const close = Buffer.alloc(2);
    close.writeUInt16BE(1001);
    const frame = Buffer.concat([Buffer.from([0x88, 2]), close]);
    ws.receive(frame, 0, frame.length);
    expect(closed).toBe('close 1001');
    expect(ws.open).toBe(false);
  });
});
