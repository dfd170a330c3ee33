import { join } from 'node:path';
import * as fc from 'fast-check';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppLogEntry } from '../src/app/app-log.ts';
import { startReferenceApp, type ReferenceApp } from '../src/app/start-app.ts';
import { inferTenancy } from '../src/catalog/infer-tenancy.ts';
import { introspect } from '../src/catalog/introspect.ts';
import { CanaryCodec } from '../src/core/canary.ts';
import { withClient } from '../src/db/connect.ts';
import { loadScenario } from '../src/scenario/load-scenario.ts';
import { seedTenants } from '../src/seed/seed-tenants.ts';
import { repoRoot } from './helpers/cli.ts';
import { databaseWithSchema, useTestServer } from './helpers/database.ts';
import { labelled, percentEncode, slotCases, type HostileCase, type HostileWorld } from './helpers/hostile-requests.ts';
import { sendRaw, type RawResponse } from './helpers/raw-http.ts';

// Hostile requests against the secure reference app on a seeded database. The attacker is
// tenant #0 with a valid token of its own; tenants #1 and #2 are the victims, whose ids (all
// canaries) the attacker knows. Every answer: never 5xx, 4xx whenever the request was not
// legitimate for the attacker's own tenant, nothing internal in an error, and no canary of
// another tenant anywhere — status line, headers and body.
const server = useTestServer();
const seed = { tenants: 3, rowsPerTable: 4, seed: 23 };
const codec = new CanaryCodec(seed.seed, seed.tenants);
const appRole = { name: 'tenantguard_app', password: 'tenantguard_app' };
const secret = 'hostile-test-secret';
const bodyLimit = 64 * 1024;
let url: string;
let app: ReferenceApp;
let world: HostileWorld;
let attacker: string;
let victims: { id: string; user: string; project: string }[];
const logs: AppLogEntry[] = [];
const statuses = new Map<string, Map<number, number>>();

const admin = <R extends Record<string, unknown>>(sql: string, params: unknown[] = []) => withClient(url, async (c) => (await c.query<R>(sql, params)).rows);
const ids = async (table: string, tenant: string) => (await admin<{ id: string }>(`select id::text from public.${table} where tenant_id = $1 order by id`, [tenant])).map((r) => r.id);

/** Text that must never reach a client in an error: stacks, paths, SQL, Postgres' codes and words. */
const internals = /\bat .+:\d+:\d+|node_modules|\/(?:work|home|usr|tmp|src)\/|\.(?:ts|js|mjs|cjs):\d+|postgres|\bpg\b|sqlstate|syntax error|relation "|column "|violates|constraint|duplicate key|\b(?:select|insert|update|delete)\b[^"]*\b(?:from|into|set|where)\b|tenant_id|set_config|current_setting|\b(?:08|22|23|25|28|40|42|53|54|55|57|58)[0-9A-Z]{3}\b|stack|trace/i;

/** Every row of every table but the attacker's, as one hash: the victims' data must not move. */
async function othersFingerprint(): Promise<Record<string, string>> {
  const tables = await admin<{ name: string; tenanted: boolean }>(
    `select c.relname as name, exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped) as tenanted
       from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and not c.relispartition order by 1`,
  );
  const out: Record<string, string> = {};
  for (const { name, tenanted } of tables) {
    const where = tenanted ? 'where t.tenant_id <> $1' : name === 'invoice_line_items' ? 'where t.invoice_id not in (select id from public.invoices where tenant_id = $1)' : 'where $1::uuid is not null';
    const [row] = await admin<{ n: number; h: string | null }>(`select count(*)::int as n, md5(string_agg(t::text, ',' order by t::text)) as h from public.${name} t ${where}`, [attacker]);
    out[name] = `${row!.n}:${row!.h}`;
  }
  return out;
}

/** Sends one case and judges its answer; throws (fast-check shrinks it) on any breach. */
async function check(family: string, c: HostileCase): Promise<RawResponse> {
  const response = await sendRaw(app.url, c.request);
  const seen = statuses.get(family) ?? new Map<number, number>();
  statuses.set(family, seen.set(response.status, (seen.get(response.status) ?? 0) + 1));
  const where = `${c.label} → ${response.status} ${response.body.slice(0, 300)}`;
  expect(response.status, where).toBeLessThan(500);
  expect(response.status >= 200 && response.status < 300 || response.status >= 400, where).toBe(true);
  if (c.expect === 'refused') expect(response.status >= 400 && (!c.statuses || c.statuses.includes(response.status)), `${where}: expected ${c.statuses?.join('/') ?? '4xx'}`).toBe(true);
  if (c.expect === 'ok') expect(response.status >= 200 && response.status < 300, `${where}: expected 2xx`).toBe(true);
  expect(codec.scan(response.raw).filter((hit) => hit.tenantIndex !== 0), `${where}: another tenant's canary`).toEqual([]);
  if (response.status >= 400) expect(response.body, where).not.toMatch(internals);
  if (c.echo && response.status < 300) expect(JSON.parse(response.body)[c.echo.key], `${where}: stored as sent`).toBe(c.echo.value);
  return response;
}

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Authorization headers an attacker can make without the server's secret, all naming a victim. */
async function forgedAuthorizations(): Promise<{ label: string; headers: [string, string][]; statuses: number[] }[]> {
  const victim = victims[0]!;
  const claims = { tid: victim.id, sub: victim.user, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 3600 };
  const [ownHead, , ownSig] = world.own.token.split('.');
  const key = new TextEncoder().encode(secret);
  const bearer = (label: string, token: string, codes = [401]) => ({ label, headers: [['authorization', `Bearer ${token}`]] as [string, string][], statuses: codes });
  return [
    bearer('alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`),
    bearer('alg none, no dot', `${b64({ alg: 'none' })}.${b64(claims)}`),
    bearer('wrong secret', await app.mintToken(victim.id, victim.user, { secret: 'guessed-secret' })),
    bearer('guessable secret', await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('secret'))),
    bearer('expired', await app.mintToken(victim.id, victim.user, { expiresInSeconds: -60 })),
    bearer('own signature, victim claims', `${ownHead}.${b64(claims)}.${ownSig}`),
    bearer('HS512 with the right secret', await new SignJWT(claims).setProtectedHeader({ alg: 'HS512' }).sign(key)),
    bearer('RS256 header, HMAC signature', `${b64({ alg: 'RS256' })}.${b64(claims)}.${ownSig}`),
    bearer('garbage', 'not-a-jwt'),
    bearer('three empty parts', '..'),
    bearer('sql', "' OR 1=1 --"),
    bearer('huge (12 KB)', `${b64({ alg: 'HS256' })}.${'A'.repeat(12_000)}.${ownSig}`),
    bearer('huge (40 KB)', 'A'.repeat(40_000), [401, 431]),
    bearer('tid as an array', `${ownHead}.${b64({ ...claims, tid: [victim.id] })}.${ownSig}`),
    { label: 'basic', headers: [['authorization', 'Basic YWRtaW46YWRtaW4=']], statuses: [401] },
    { label: 'bearer with nothing', headers: [['authorization', 'Bearer']], statuses: [401] },
    { label: 'two tokens in one header', headers: [['authorization', `Bearer ${world.own.token} ${world.own.token}`]], statuses: [401] },
    { label: 'token in a cookie only', headers: [['cookie', `token=${world.own.token}`]], statuses: [401] },
    { label: 'forged first, valid second', headers: [['authorization', 'Bearer forged'], ['authorization', `Bearer ${world.own.token}`]], statuses: [400, 401] },
  ];
}

beforeAll(async () => {
  const scenario = await loadScenario(join(repoRoot, 'scenarios/reference.ts'));
  url = await databaseWithSchema(server(), { files: scenario.schema }, 'hostile');
  const snapshot = await withClient(url, (c) => introspect(c));
  const manifest = await seedTenants(url, snapshot, inferTenancy(snapshot, scenario.tenancy).tenancy, seed);
  app = await startReferenceApp({ databaseUrl: url, appRole, jwtSecret: secret, bodyLimit, log: (e) => logs.push(e) });
  const member = async (tenant: string) => (await admin<{ u: string }>('select user_id::text as u from public.memberships where tenant_id = $1 order by user_id limit 1', [tenant]))[0]!.u;
  attacker = manifest.tenants[0]!.id;
  victims = await Promise.all(manifest.tenants.slice(1).map(async (t) => ({ id: t.id, user: await member(t.id), project: (await ids('projects', t.id))[0]! })));
  const foreignIds = (await Promise.all(manifest.tenants.slice(1).map(async (t) => [t.id, await member(t.id), ...(await ids('projects', t.id)), ...(await ids('documents', t.id)), ...(await ids('invoices', t.id))]))).flat();
  world = {
    own: { token: await app.mintToken(attacker, await member(attacker)), projects: await ids('projects', attacker), documents: await ids('documents', attacker), invoices: await ids('invoices', attacker) },
    foreignIds,
  };
  // The oracle must see the victims: their ids decode to their tenants.
  expect(foreignIds.every((id) => codec.ownerOf(id) !== undefined && codec.ownerOf(id) !== 0)).toBe(true);
}, 120_000);

afterAll(async () => {
  for (const [family, seen] of statuses) console.log(`hostile ${family}: ${[...seen].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')}`);
  await app?.close();
});

/** Legitimate requests of the attacker's own tenant, to carry hostile tokens, headers and framing. */
function legitimate(n: number): { method: string; target: string; body?: string }[] {
  const [project] = world.own.projects;
  return [
    { method: 'GET', target: '/projects' },
    { method: 'GET', target: `/projects/${project}` },
    { method: 'GET', target: `/invoices/${world.own.invoices[0]}` },
    { method: 'GET', target: '/search/documents?q=doc' },
    { method: 'GET', target: '/reports/summary' },
    { method: 'POST', target: '/projects', body: JSON.stringify({ name: `legit ${n}`, slug: `legit-${n}` }) },
    { method: 'PATCH', target: `/documents/${world.own.documents[0]}`, body: JSON.stringify({ title: `legit ${n}` }) },
    { method: 'POST', target: '/invoices', body: JSON.stringify({ number: `L-${n}`, lineItems: [{ description: 'x', quantity: 1, unitPriceCents: 1 }] }) },
  ];
}
let serial = 0;
const requestOf = (r: { method: string; target: string; body?: string }, headers: [string, string][]) => ({
  method: r.method,
  target: r.target,
  headers: [...headers, ...(r.body ? [['content-type', 'application/json'] as [string, string]] : [])],
  ...(r.body ? { body: r.body } : {}),
});
const own = (): [string, string] => ['authorization', `Bearer ${world.own.token}`];

describe('reference app under hostile requests', () => {
  it('every input of every route: injection strings, other tenants’ ids, random and huge values', async () => {
    const before = await othersFingerprint();
    await fc.assert(fc.asyncProperty(slotCases(world), async (c) => void (await check('inputs', c))), { seed: 8001, numRuns: 400, endOnFailure: true });
    expect(await othersFingerprint()).toEqual(before);
  });

  it('a NUL in stored or searched text is a 400 on every path to the database', async () => {
    const nul = 'a\u0000b';
    const cases: [string, string, unknown][] = [
      ['POST', '/projects', { name: nul, slug: 'nul-one' }], // one round trip: inlined literal
      ['POST', '/invoices', { number: nul }], // transaction: bound parameter (22021)
      ['POST', '/invoices', { number: 'nul-items', lineItems: [{ description: nul, quantity: 1, unitPriceCents: 1 }] }], // jsonb (22P05)
      ['PATCH', `/documents/${world.own.documents[0]}`, { body: nul }],
      ['GET', `/search/documents?q=${percentEncode(nul)}`, undefined],
    ];
    for (const [method, target, body] of cases) {
      const request = { method, target, headers: [own(), ...(body ? [['content-type', 'application/json'] as [string, string]] : [])], ...(body ? { body: JSON.stringify(body) } : {}) };
      const response = await check('nul', labelled({ label: `${method} ${target} with a NUL`, request, expect: 'refused', statuses: [400] }));
      expect(JSON.parse(response.body), target).toEqual({ error: { code: 'invalid-value', message: 'a value contains a character that cannot be stored' } });
    }
  });

  it('forged, expired, tampered, garbage and huge tokens: 401 on every route, nothing of the victim', async () => {
    const forged = await forgedAuthorizations();
    const cases = fc.tuple(fc.constantFrom(...forged), fc.nat(7)).map(([auth, route]) =>
      labelled({ label: `${auth.label} on ${legitimate(0)[route]!.method} ${legitimate(0)[route]!.target}`, request: requestOf(legitimate(++serial)[route]!, auth.headers), expect: 'refused', statuses: auth.statuses }),
    );
    await fc.assert(fc.asyncProperty(cases, async (c) => void (await check('tokens', c))), { seed: 8002, numRuns: 120, endOnFailure: true });
    // Every kind at least once, on a read by id of the victim's own project.
    for (const auth of forged) {
      await check('tokens', labelled({ label: `${auth.label} on the victim's project`, request: requestOf({ method: 'GET', target: `/projects/${victims[0]!.project}` }, auth.headers), expect: 'refused', statuses: auth.statuses }));
    }
  });

  it('tenant headers naming another tenant, SQL, NUL, CRLF and 10 KB values are ignored or refused', async () => {
    const names = ['x-tenant-id', 'x-tenant', 'tenant-id', 'x-org-id', 'x-organization-id', 'x-account-id', 'x-user-id', 'x-request-id', 'x-forwarded-for', 'x-forwarded-host', 'forwarded', 'cookie'];
    const printable = (value: string) => /^[\x20-\x7e]*$/.test(value);
    const values = fc.oneof(
      fc.constantFrom(...victims.flatMap((v) => [v.id, v.user, v.id.toUpperCase(), `tenant=${v.id}`])),
      fc.constantFrom("' OR 1=1 --", "'; set app.tenant_id = '00000000-0000-4000-8000-000000000000'; --", '$$', '../../etc/passwd', 'x'.repeat(10_240), '', '*'),
      fc.constantFrom('a\u0000b', '\u0000', `x\r\nx-tenant-id: ${victims[0]!.id}`, 'caf\u00e9 \u202e', 'x\ry'),
    );
    const cases = fc.tuple(fc.constantFrom(...names), values, fc.nat(7)).map(([name, value, route]) =>
      labelled({
        label: `${name}: ${JSON.stringify(value.slice(0, 60))} on ${legitimate(0)[route]!.method} ${legitimate(0)[route]!.target}`,
        request: requestOf(legitimate(++serial)[route]!, [own(), [name, value]]),
        // A header Node can parse changes nothing: the request is the attacker's own, answered 2xx.
        expect: printable(value) ? 'ok' : 'either',
      }),
    );
    await fc.assert(fc.asyncProperty(cases, async (c) => void (await check('headers', c))), { seed: 8003, numRuns: 150, endOnFailure: true });
  });

  it('malformed, mistyped, oversized and deeply nested bodies: 400, 413 or 415, never 5xx', async () => {
    const deep = (depth: number, open: string, close: string, inner = '1') => `${open.repeat(depth)}${inner}${close.repeat(depth)}`;
    type Framing = { label: string; body: string | Buffer; type?: string; length?: string; statuses: number[]; extra?: [string, string][] };
    const framings: Framing[] = [
      ...['{', '{"name": "x", ', "{'name':'x'}", '{"name":"x",}', '{"name":"x"}garbage', '{"name":"x" "slug":"y"}', '{"name":NaN}', '{"name":"\\x"}', '{"name":"\\ud800"', 'nul\u0000l', '\u0000'].map((body) => ({ label: `malformed ${JSON.stringify(body)}`, body, statuses: [400] })),
      ...['null', '[]', '"x"', '1', 'true', '{}'].map((body) => ({ label: `wrong JSON type ${body}`, body, statuses: [400] })),
      { label: '__proto__ pollution', body: '{"__proto__":{"tenantId":"x"},"name":"p","slug":"proto"}', statuses: [400] },
      { label: 'constructor.prototype pollution', body: '{"constructor":{"prototype":{"tenantId":"x"}},"name":"c","slug":"ctor"}', statuses: [400] },
      ...['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'text/json', 'image/png', ''].map((type) => ({ label: `content type ${JSON.stringify(type)}`, body: '{"name":"x","slug":"ct"}', type, statuses: [400, 415] })),
      { label: 'no content type', body: '{"name":"x","slug":"none"}', type: undefined, statuses: [400, 415] },
      { label: `body over the limit (${bodyLimit + 1} bytes)`, body: `{"name":"${'x'.repeat(bodyLimit - 10)}","slug":"big"}`, statuses: [413] },
      { label: 'body of 1 MB', body: `{"name":"${'x'.repeat(1 << 20)}"}`, statuses: [413] },
      { label: 'content-length of 1 GB', body: '{"name":"x"}', length: String(1 << 30), statuses: [413] },
      { label: 'content-length shorter than the body', body: '{"name":"x","slug":"short"}', length: '5', statuses: [400] },
      { label: 'content-length not a number', body: '{"name":"x"}', length: 'ten', statuses: [400] },
      { label: 'chunked and content-length', body: '{"name":"x"}', extra: [['transfer-encoding', 'chunked']], statuses: [400] },
      { label: 'arrays nested 30 000 deep', body: `{"name":${deep(30_000, '[', ']')},"slug":"deep"}`, statuses: [400] },
      { label: 'objects nested 10 000 deep', body: `{"name":"x","slug":"deep","a":${deep(10_000, '{"a":', '}')}}`, statuses: [400] },
      { label: 'nesting beyond the body limit', body: deep(40_000, '[', ']'), statuses: [413] },
      { label: 'invalid UTF-8', body: Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), statuses: [400] },
    ];
    const cases = fc.tuple(fc.constantFrom(...framings), fc.constantFrom(5, 6, 7)).map(([framing, route]) => {
      const r = legitimate(++serial)[route]!;
      const headers: [string, string][] = [own(), ...(framing.type === undefined ? [] : [['content-type', framing.type] as [string, string]]), ...(framing.length ? [['content-length', framing.length] as [string, string]] : []), ...(framing.extra ?? [])];
      if (framing.label.startsWith('content type') || framing.label === 'no content type') {
        // The media type is what is wrong: the body itself is fine.
      } else if (framing.type === undefined) headers.splice(1, 0, ['content-type', 'application/json']);
      return labelled({ label: `${framing.label} on ${r.method} ${r.target}`, request: { method: r.method, target: r.target, headers, body: framing.body }, expect: 'refused', statuses: framing.statuses });
    });
    await fc.assert(fc.asyncProperty(cases, async (c) => void (await check('bodies', c))), { seed: 8004, numRuns: 120, endOnFailure: true });
  });

  it('raw paths and methods: traversal, encodings, NUL, duplicates, unknown methods', async () => {
    const [project] = world.own.projects;
    const victim = victims[0]!.project;
    const refused: [string, string][] = [
      ['GET', '/projects/../../../etc/passwd'], ['GET', '/projects/..%2f..%2f..%2fetc%2fpasswd'], ['GET', '/projects/%2e%2e/%2e%2e/etc/passwd'],
      ['GET', '/projects/%00'], ['GET', `/projects/${project}%00`], ['GET', '/projects/%c0%ae%c0%ae/'], ['GET', '/projects/%zz'], ['GET', `/projects/${project};drop`],
      ['GET', `/projects/${project}/../${victim}`], ['GET', `/projects/${victim}`], ['GET', `/invoices/${victims[1]!.project}`], ['DELETE', `/projects/${victim}`],
      ['GET', `/projects/${'a'.repeat(10_000)}`], ['GET', '/projects?limit=1&limit=2'], ['GET', '/projects?status[]=active'], ['GET', '/projects?status=active&status=archived'],
      ['GET', `/documents?projectId=${project}&projectId=${victim}`], ['GET', '/projects?limit=%00'], ['GET', '/projects?offset=-0x10'], ['GET', '/search/documents'],
      ['PUT', `/projects/${project}`], ['OPTIONS', '/projects'], ['TRACE', '/projects'], ['FOO', '/projects'], ['GET', '*'], ['GET', '/%2e%2e/%2e%2e/etc/passwd'], ['GET', '\\projects'],
    ];
    const either: [string, string][] = [
      ['GET', `/projects/${project!.toUpperCase()}`], ['GET', `/projects?__proto__[x]=1`], ['HEAD', '/projects'], ['GET', '//projects'], ['GET', '/projects/'], ['GET', '/projects#x'],
      ['GET', `http://evil.example/projects/${project}`], ['GET', `/search/documents?q=%25`], ['GET', `/search/documents?q=_`], ['GET', '/reports/summary?tenant=x&tenant_id=1'],
    ];
    for (const [expectation, list] of [['refused', refused], ['either', either]] as const) {
      for (const [method, target] of list) await check('paths', labelled({ label: `${method} ${target.slice(0, 80)}`, request: { method, target, headers: [own()] }, expect: expectation }));
    }
    // Wildcards are text: a search for "_" finds exactly the attacker's documents with a "_".
    const found = await sendRaw(app.url, { method: 'GET', target: '/search/documents?q=_&limit=100', headers: [own()] });
    const withUnderscore = await admin<{ id: string }>(`select id::text from public.documents where tenant_id = $1 and (strpos(title, '_') > 0 or strpos(body, '_') > 0)`, [attacker]);
    expect(JSON.parse(found.body).items.map((i: { id: string }) => i.id).sort()).toEqual(withUnderscore.map((r) => r.id).sort());
  });

  it('left nothing unexpected behind: no error logged, no other tenant’s row changed', async () => {
    expect(logs.filter((e) => e.level !== 'info').map((e) => JSON.stringify(e).slice(0, 300))).toEqual([]);
    expect([...statuses.values()].every((seen) => [...seen.keys()].every((status) => status < 500))).toBe(true);
  });
});
