import { describe, expect, it } from 'vitest';
import { CanaryCodec } from '../../core/canary.ts';
import { curlScript, foreignCanaries, type HttpExchange } from './exchange.ts';
import { routeOf } from './http-probe.ts';
import { unsettable } from './probes/http-context-failure.ts';

const codec = new CanaryCodec(11, 3);
const exchange = (tenant: number, body: string, path = '/projects'): HttpExchange => ({ request: { method: 'GET', path, auth: { authorization: 'Bearer t' }, tenant }, status: 200, headers: '', body });

describe('HTTP oracle', () => {
  it('flags another tenant’s canary in a body, not the attacker’s own', () => {
    expect(foreignCanaries(codec, exchange(0, JSON.stringify({ name: codec.token(1, 3) }))).map((h) => h.tenantIndex)).toEqual([1]);
    expect(foreignCanaries(codec, exchange(0, JSON.stringify({ name: codec.token(0, 3) })))).toEqual([]);
  });

  it('ignores canaries the attacker sent itself (echoed ids)', () => {
    const id = codec.uuid(1, 5);
    expect(foreignCanaries(codec, exchange(0, JSON.stringify({ error: `no ${id}` }), `/projects/${id}`))).toEqual([]);
    expect(foreignCanaries(codec, exchange(0, JSON.stringify({ id, name: codec.token(1, 9) }), `/projects/${id}`)).map((h) => h.canary)).toEqual([codec.token(1, 9)]);
  });

  it('ignores canaries inside the attacker’s own token payload', () => {
    const payload = Buffer.from(JSON.stringify({ tid: codec.uuid(1, 0) })).toString('base64url');
    const spec = { method: 'GET' as const, path: '/projects', auth: { authorization: `Bearer h.${payload}.s` }, tenant: 0 };
    expect(foreignCanaries(codec, { request: spec, status: 401, headers: '', body: `bad tenant ${codec.uuid(1, 0)}` })).toEqual([]);
    expect(curlScript('http://h', [{ request: spec, status: 401, headers: '', body: '' }])).toContain(`-H 'authorization: Bearer h.${payload}.s'`);
  });

  it('scans headers too', () => {
    expect(foreignCanaries(codec, { ...exchange(2, ''), headers: `x-owner: ${codec.token(0, 1)}` })).toHaveLength(1);
  });

  it('writes bursts as background curls and waits for them', () => {
    const script = curlScript('http://h', [exchange(0, ''), { ...exchange(1, ''), request: { ...exchange(1, '').request, burst: 1 } }, { ...exchange(2, ''), request: { ...exchange(2, '').request, burst: 1 } }]);
    expect(script.split('\n')).toHaveLength(4);
    expect(script).toMatch(/'http:\/\/h\/projects' &/);
    expect(script.endsWith('wait')).toBe(true);
  });

  it('names routes by pattern and knows which claims cannot be a setting', () => {
    expect(routeOf('GET', `/invoices/${codec.uuid(1, 1)}?x=1`)).toBe('GET /invoices/:id');
    expect(unsettable('a\u0000b')).toBe(true);
    expect(unsettable("o'brien")).toBe(false);
  });
});
