import { describe, expect, it } from 'vitest';
import { clientIp, originAllowed, parseOfferedProtocols } from './upgrade.ts';

describe('parseOfferedProtocols', () => {
  it('finds the credential next to the version token', () => {
    expect(parseOfferedProtocols('hypersend.v1, bearer.abc.def.ghi')).toEqual({
      kind: 'bearer',
      value: 'abc.def.ghi',
    });
    expect(parseOfferedProtocols('ticket.T1,hypersend.v1')).toEqual({ kind: 'ticket', value: 'T1' });
  });

  it('refuses a missing version, missing or duplicate credential', () => {
    expect(parseOfferedProtocols('bearer.x')).toMatchObject({ status: 400 });
    expect(parseOfferedProtocols('hypersend.v1')).toMatchObject({ status: 401 });
    expect(parseOfferedProtocols('hypersend.v1, bearer.')).toMatchObject({ status: 401 });
    expect(parseOfferedProtocols('')).toMatchObject({ status: 400 });
    expect(parseOfferedProtocols('hypersend.v1, bearer.a, ticket.b')).toMatchObject({ status: 400 });
  });
});

describe('originAllowed', () => {
  it('lets non-browser clients in and matches browser origins exactly', () => {
    const list = ['https://app.example', 'http://localhost:5173/'];
    expect(originAllowed('', list)).toBe(true);
    expect(originAllowed('https://app.example', list)).toBe(true);
    expect(originAllowed('HTTPS://APP.EXAMPLE', list)).toBe(true);
    expect(originAllowed('http://localhost:5173', list)).toBe(true);
    expect(originAllowed('https://app.example.evil', list)).toBe(false);
    expect(originAllowed('null', list)).toBe(false);
    expect(originAllowed('https://app.example', [])).toBe(false);
  });
});

describe('clientIp', () => {
  it('trusts X-Forwarded-For only when configured, taking the proxy-appended entry', () => {
    expect(clientIp('10.0.0.1', '1.2.3.4', false)).toBe('10.0.0.1');
    expect(clientIp('10.0.0.1', 'spoofed, 1.2.3.4', true)).toBe('1.2.3.4');
    expect(clientIp('10.0.0.1', '', true)).toBe('10.0.0.1');
  });
});
