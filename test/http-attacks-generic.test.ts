import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { referenceApi } from '../src/attacks/http/api.ts';
import { buildHttpTarget } from '../src/attacks/http/build-target.ts';
import { createCredentialCheck, createCredentials } from '../src/attacks/http/credentials.ts';
import { curlScript, type HttpExchange } from '../src/attacks/http/exchange.ts';
import { snapshotState } from '../src/attacks/http/db-state.ts';
import { httpProbes } from '../src/attacks/http/registry.ts';
import { runHttpAttacks } from '../src/attacks/http/run-http-attacks.ts';
import { duplicateBody, fieldOf, fillBody, fillOperation, fillPath } from '../src/attacks/http/template.ts';
import { withClient } from '../src/db/connect.ts';
import { databaseWithSchema, useTestServer } from './helpers/database.ts';
import { seedTiny, startTiny, tinyApi, tinySchema } from './helpers/tiny-api.ts';

// The HTTP attacks are written once against a description of the API (api.ts), never against
// the reference app's routes: here a description with other paths, header auth and bigint ids.

describe('HTTP API templates', () => {
  const values = { tenant: 't-1', user: 'u 1', id: '42', marker: 'tg0010000aa', row: { slug: 'old-slug', name: 'Old' } };

  it('fill paths (URL-encoded), bodies and routes', () => {
    expect(fillPath('/ws/{tenant}/items/{id}?by={user}', values)).toBe('/ws/t-1/items/42?by=u%201');
    expect(fillBody({ name: 'tg {marker}', tags: ['{row.slug}'], n: 3 }, values)).toEqual({ name: 'tg tg0010000aa', tags: ['old-slug'], n: 3 });
    expect(fillOperation({ method: 'PUT', path: '/v2/items/{id}?x=1', body: { a: '{user}' } }, values)).toEqual({ method: 'PUT', path: '/v2/items/42?x=1', body: { a: 'u 1' }, route: 'PUT /v2/items/{id}' });
    expect(() => fillPath('/x/{row.missing}', values)).toThrow(/\{row\.missing\} has no value/);
  });

  it('derive a duplicate create from the columns a create body names', () => {
    const resource = { table: 'public.items', create: { method: 'POST' as const, path: '/items', body: { label: '{marker}', slugName: '{marker}', extra: 1 } } };
    expect(duplicateBody(resource, { label: 'a', slug_name: 'b' })).toEqual({ label: '{row.label}', slugName: '{row.slug_name}', extra: 1 });
    expect(duplicateBody(resource, { other: 'x' })).toBeNull();
    expect(duplicateBody(referenceApi.resources[0]!, null)).toEqual({ name: 'tenantguard duplicate', slug: '{row.slug}' });
    expect(fieldOf('{"data":{"id":7}}', 'data.id')).toBe('7');
    expect(fieldOf('not json', 'id')).toBeUndefined();
  });

  it('mint JWTs with the description’s claims, or per-tenant header values', async () => {
    const tenants = [{ id: 'a', user: 'ua' }];
    const jwt = createCredentials(referenceApi.auth, tenants, 'secret');
    const [, token] = (await jwt(0)).authorization!.split(' ');
    const [head, payload, signature] = token!.split('.');
    expect(createHmac('sha256', 'secret').update(`${head}.${payload}`).digest('base64url')).toBe(signature);
    expect(JSON.parse(Buffer.from(payload!, 'base64url').toString())).toMatchObject({ tid: 'a', sub: 'ua' });
    const claims = JSON.parse(Buffer.from((await jwt(0, { user: 'x\u0000', expiresInSeconds: -5 })).authorization!.split('.')[1]!, 'base64url').toString());
    expect(claims.sub).toBe('x\u0000');
    expect(claims.exp).toBeLessThan(Date.now() / 1000);
    const header = createCredentials({ kind: 'header', header: 'x-key', value: 'k-{tenant}' }, tenants, undefined);
    expect(await header(0)).toEqual({ 'x-key': 'k-a' });
    expect(await createCredentials({ kind: 'header', header: 'x-key' }, tenants, undefined, ['from-query'])(0)).toEqual({ 'x-key': 'from-query' });
  });
});

describe('reproductions without live credentials', () => {
  it('turn live tokens and keys into described variables, and keep forged or expired ones as sent', async () => {
    const tenants = [{ id: 'a', user: 'ua' }, { id: 'b', user: 'ub' }];
    const jwt = createCredentials(referenceApi.auth, tenants, 'secret');
    const live = createCredentialCheck(referenceApi.auth, tenants, 'secret');
    const exchange = (auth: Record<string, string>, tenant = 0): HttpExchange => ({ request: { method: 'GET', path: '/projects', auth, tenant }, status: 200, headers: '', body: '' });
    const valid = await jwt(0);
    const forged = await jwt(1, { secret: 'not-the-secret' });
    const expired = await jwt(1, { expiresInSeconds: -60 });
    const script = curlScript('http://h', [exchange(valid), exchange(valid), exchange(forged), exchange(expired)], live);
    expect(script).not.toContain(valid.authorization!.split(' ')[1]);
    expect(script).toContain(`-H "authorization: Bearer $TG_CREDENTIAL_1"`);
    expect(script).toMatch(/^# \$TG_CREDENTIAL_1: a HS256 token signed with the app's secret, claims \{"tid":"a","sub":"ua"\}/m);
    expect(script.match(/TG_CREDENTIAL_\d/g)?.length).toBe(3); // described once, used twice
    expect(script).toContain(forged.authorization);
    expect(script).toContain(expired.authorization);
    // API keys: described by whose they are and where to read them.
    const keyAuth = { kind: 'header' as const, header: 'x-api-key', query: 'select key from keys where tenant_id = $1' };
    const keys = curlScript('http://h', [exchange({ 'x-api-key': 'KEY-B' }, 1), exchange({ 'x-api-key': 'guess' }, 1)], createCredentialCheck(keyAuth, tenants, undefined, ['KEY-A', 'KEY-B']));
    expect(keys).not.toContain('KEY-B');
    expect(keys).toContain("# $TG_CREDENTIAL_1: the x-api-key of tenant #1 (b), read with: select key from keys where tenant_id = 'b'");
    expect(keys).toContain(`-H 'x-api-key: guess'`);
  });
});

describe('HTTP attacks against an API that is not the reference app', () => {
  const server = useTestServer();

  it('build the target from the description and the manifest', async () => {
    const url = await databaseWithSchema(server(), tinySchema, 'tinyapi');
    const manifest = await seedTiny(url);
    const target = await buildHttpTarget({ url: 'http://127.0.0.1:1/', api: tinyApi, adminUrl: url, manifest });
    expect(target.url).toBe('http://127.0.0.1:1');
    expect(target.tenants.map((t) => t.ids[0])).toEqual([['1', '2', '3'], ['4', '5', '6']]);
    expect(target.tenants[1]!.samples[0]).toMatchObject({ id: '4', label: target.codec.token(1, 1) });
    expect(await target.credentials(1)).toEqual({ 'x-api-key': 'key-1' });
    expect(target.state.tables.map((t) => t.name)).toEqual(['public.workspaces', 'public.api_keys', 'public.items']);
    const state = await withClient(url, (c) => snapshotState(c, target.state));
    expect([...state.tenants.keys()].filter((k) => k.startsWith('public.items')).length).toBe(2);
  }, 60_000);

  it('find an IDOR and a header override, and nothing on the secure API', async () => {
    const url = await databaseWithSchema(server(), tinySchema, 'tinyapi');
    const manifest = await seedTiny(url);
    const seeded = await withClient(url, async (c) => snapshotState(c, (await buildHttpTarget({ url: 'http://x', api: tinyApi, adminUrl: url, manifest })).state));
    const attack = async (flaw?: 'idor' | 'override') => {
      const app = await startTiny(url, flaw);
      try {
        const target = await buildHttpTarget({ url: app.url, api: tinyApi, adminUrl: url, manifest, poolSize: 4 });
        return await runHttpAttacks(target, { probes: httpProbes, runSeed: 3, runs: 20, replayPrefix: 'test' });
      } finally {
        await app.close();
      }
    };
    const secure = await attack();
    expect(secure.flatMap((r) => r.findings)).toEqual([]);
    expect(secure.filter((r) => r.verdict === 'inconclusive').map((r) => r.error)).toEqual([]);
    // Header auth: no token to tamper with, no user claim to poison.
    expect(secure.filter((r) => r.stats?.['runs'] === 0).map((r) => r.meta.id).sort()).toEqual(['http-context-failure', 'http-token-tampering']);

    const idor = await attack('idor');
    const byIdor = idor.find((r) => r.meta.id === 'http-idor')!.findings[0]!;
    expect(byIdor.subject.route).toMatch(/^(GET|PUT|DELETE) \/v2\/items\/\{id\}$/);
    expect(byIdor.reproduction).toMatch(/curl -s -X \S+ -H "x-api-key: \$TG_CREDENTIAL_1" 'http:\/\/127\.0\.0\.1:\d+\/v2\/items\/\d+'/);
    expect(byIdor.reproduction).toMatch(/^# \$TG_CREDENTIAL_1: the x-api-key of tenant #\d \(\S+\), read with: select key from public.api_keys where workspace_id = '\S+'$/m);
    expect(byIdor.reproduction).not.toMatch(/key-\d/);
    expect(idor.find((r) => r.meta.id === 'http-concurrent-model')!.verdict).toBe('fail');

    const override = await attack('override');
    const byOverride = override.find((r) => r.meta.id === 'http-tenant-override')!.findings[0]!;
    expect(byOverride.reproduction).toMatch(/-H 'X-Workspace-Id: [0-9a-f-]{36}'/);
    // Every case restored what it changed: the database is the seeded one.
    const after = await withClient(url, async (c) => snapshotState(c, (await buildHttpTarget({ url: 'http://x', api: tinyApi, adminUrl: url, manifest })).state));
    expect(after.tables).toEqual(seeded.tables);
  }, 120_000);
});
