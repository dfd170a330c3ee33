import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReferenceApp, type ReferenceApp } from '../src/app/start-app.ts';
import type { AppLogEntry } from '../src/app/app-log.ts';
import type { FairnessGate } from '../src/app/fairness-port.ts';
import { inferTenancy } from '../src/catalog/infer-tenancy.ts';
import { introspect } from '../src/catalog/introspect.ts';
import { CanaryCodec } from '../src/core/canary.ts';
import { withClient } from '../src/db/connect.ts';
import { loadScenario } from '../src/scenario/load-scenario.ts';
import { seedTenants } from '../src/seed/seed-tenants.ts';
import { repoRoot } from './helpers/cli.ts';
import { databaseWithSchema, useTestServer } from './helpers/database.ts';

// One server, one seeded reference database, one app (pool of ONE connection, so every
// request reuses the connection the previous one left behind) for the whole file.
const server = useTestServer();
const seed = { tenants: 3, rowsPerTable: 4, seed: 11 };
const codec = new CanaryCodec(seed.seed, seed.tenants);
const appRole = { name: 'tenantguard_app', password: 'tenantguard_app' };
let url: string;
let app: ReferenceApp;
const logs: AppLogEntry[] = [];
type Tenant = { index: number; id: string; user: string; token: string; projects: string[]; documents: string[]; invoices: string[] };
let A: Tenant;
let B: Tenant;

const admin = <R extends Record<string, unknown>>(sql: string, params: unknown[] = []) => withClient(url, async (c) => (await c.query<R>(sql, params)).rows);

async function tenant(index: number, id: string): Promise<Tenant> {
  const ids = async (table: string) => (await admin<{ id: string }>(`select id::text from public.${table} where tenant_id = $1 order by id`, [id])).map((r) => r.id);
  const [member] = await admin<{ user_id: string }>('select user_id::text from public.memberships where tenant_id = $1 limit 1', [id]);
  return { index, id, user: member!.user_id, token: await app.mintToken(id, member!.user_id), projects: await ids('projects'), documents: await ids('documents'), invoices: await ids('invoices') };
}

/** One HTTP request to the app; `body` is sent as JSON unless it is a string. */
async function call(method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string>; base?: string } = {}) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers['authorization'] = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(`${options.base ?? app.url}${path}`, { method, headers, body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text ? JSON.parse(text) : undefined };
}

/** Another tenant's canaries in a body, a stack, or SQL: none of it may reach a client. */
function expectNoInternals(text: string, viewer: Tenant) {
  expect(codec.scan(text).filter((hit) => hit.tenantIndex !== viewer.index)).toEqual([]);
  expect(text).not.toMatch(/select|insert|update |tenant_id|\bat .*\.ts:|node_modules|postgres|stack/i);
}

beforeAll(async () => {
  const scenario = await loadScenario(join(repoRoot, 'scenarios/reference.ts'));
  url = await databaseWithSchema(server(), { files: scenario.schema }, 'app');
  const snapshot = await withClient(url, (c) => introspect(c));
  const manifest = await seedTenants(url, snapshot, inferTenancy(snapshot, scenario.tenancy).tenancy, seed);
  app = await startReferenceApp({ databaseUrl: url, appRole, poolSize: 1, jwtSecret: 'test-secret-of-this-file', log: (e) => logs.push(e) });
  [A, B] = await Promise.all([tenant(0, manifest.tenants[0]!.id), tenant(1, manifest.tenants[1]!.id)]);
});
afterAll(() => app?.close());

describe('reference app: isolation through the API', () => {
  it('answers health without a token', async () => {
    expect(await call('GET', '/health')).toMatchObject({ status: 200, json: { status: 'ok' } });
  });

  it('lists only the tenant’s own rows', async () => {
    for (const [resource, own] of [['projects', A.projects], ['documents', A.documents], ['invoices', A.invoices]] as const) {
      const response = await call('GET', `/${resource}`, { token: A.token });
      expect(response.status).toBe(200);
      expect(response.json.items.map((i: { id: string }) => i.id).sort()).toEqual([...own].sort());
      expectNoInternals(response.text, A);
    }
  });

  it('cannot get, update or delete another tenant’s rows by id: 404, and they stay as they were', async () => {
    const before = await admin('select * from public.projects where tenant_id = $1 order by id', [B.id]);
    for (const [resource, id, patch] of [['projects', B.projects[0], { name: 'x' }], ['documents', B.documents[0], { title: 'x' }], ['invoices', B.invoices[0], { status: 'void' }]] as const) {
      for (const [method, body] of [['GET', undefined], ['PATCH', patch], ['DELETE', undefined]] as const) {
        const response = await call(method, `/${resource}/${id}`, { token: A.token, body });
        expect({ method, resource, status: response.status, json: response.json }).toEqual({ method, resource, status: 404, json: { error: { code: 'not-found', message: 'not found' } } });
      }
    }
    expect(await admin('select * from public.projects where tenant_id = $1 order by id', [B.id])).toEqual(before);
    expect(await admin('select count(*)::int as n from public.documents where id = $1', [B.documents[0]])).toEqual([{ n: 1 }]);
  });

  it('creates, updates and deletes its own rows; another tenant never sees them', async () => {
    const created = await call('POST', '/projects', { token: A.token, body: { name: 'Apollo', slug: 'apollo' } });
    expect(created).toMatchObject({ status: 201, json: { name: 'Apollo', slug: 'apollo', status: 'active' } });
    const id = created.json.id as string;
    expect((await admin('select tenant_id::text from public.projects where id = $1', [id]))[0]).toEqual({ tenant_id: A.id });
    expect((await call('GET', `/projects/${id}`, { token: B.token })).status).toBe(404);
    expect(await call('PATCH', `/projects/${id}`, { token: A.token, body: { status: 'archived' } })).toMatchObject({ status: 200, json: { status: 'archived' } });
    const doc = await call('POST', '/documents', { token: A.token, body: { projectId: id, title: 'Plan', body: 'launch window' } });
    expect(doc.status).toBe(201);
    const invoice = await call('POST', '/invoices', { token: A.token, body: { number: 'INV-1', lineItems: [{ description: 'work', quantity: 3, unitPriceCents: 1000 }] } });
    expect(invoice).toMatchObject({ status: 201, json: { number: 'INV-1', totalCents: 3000, lineItems: [{ description: 'work', quantity: 3, unitPriceCents: 1000 }] } });
    expect((await call('GET', `/invoices/${invoice.json.id}`, { token: A.token })).json.lineItems).toHaveLength(1);
    expect((await call('GET', `/invoices/${invoice.json.id}`, { token: B.token })).status).toBe(404);
    expect((await call('DELETE', `/invoices/${invoice.json.id}`, { token: A.token })).status).toBe(204);
    expect((await call('DELETE', `/projects/${id}`, { token: A.token })).status).toBe(204);
    expect((await call('GET', `/documents/${doc.json.id}`, { token: A.token })).status).toBe(404); // cascaded
  });

  it('searches and reports over the tenant’s own data only', async () => {
    const [theirs] = await admin<{ title: string }>('select title from public.documents where id = $1', [B.documents[0]]);
    const [mine] = await admin<{ title: string }>('select title from public.documents where id = $1', [A.documents[0]]);
    const term = (title: string) => codec.scan(title)[0]?.canary ?? title;
    expect((await call('GET', `/search/documents?q=${encodeURIComponent(term(theirs!.title))}`, { token: A.token })).json.items).toEqual([]);
    expect((await call('GET', `/search/documents?q=${encodeURIComponent(term(mine!.title))}`, { token: A.token })).json.items.map((i: { id: string }) => i.id)).toContain(A.documents[0]);
    const report = await call('GET', '/reports/summary', { token: A.token });
    expect(report.status).toBe(200);
    expect(report.json.projects).toHaveLength(A.projects.length);
    const [counts] = await admin<{ n: number }>('select count(*)::int as n from public.invoices where tenant_id = $1', [A.id]);
    expect(report.json.invoices.reduce((sum: number, row: { count: number }) => sum + row.count, 0)).toBe(counts!.n);
    expectNoInternals(report.text, A);
  });
});

describe('reference app: tokens', () => {
  it('refuses missing, malformed, unsigned, wrongly signed, expired and unknown-tenant tokens with 401', async () => {
    const [header, payload] = A.token.split('.');
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    const cases: [string | undefined, string][] = [
      [undefined, 'missing-token'],
      ['not-a-jwt', 'invalid-token'],
      [`${header}.${payload}.AAAA`, 'invalid-token'],
      [unsigned, 'invalid-token'],
      [await app.mintToken(A.id, A.user, { secret: 'another-secret' }), 'invalid-token'],
      [await app.mintToken(A.id, A.user, { expiresInSeconds: -60 }), 'expired-token'],
      [await app.mintToken('not-a-uuid', A.user), 'invalid-token'],
      [await app.mintToken('00000000-0000-4000-8000-000000000000', A.user), 'unknown-tenant'],
    ];
    for (const [token, code] of cases) {
      const response = await call('GET', '/projects', { token });
      expect({ token, status: response.status, code: response.json.error.code }).toEqual({ token, status: 401, code });
      expect(Object.keys(response.json.error).sort()).toEqual(['code', 'message']);
      expect(response.text).not.toContain('test-secret-of-this-file');
      expectNoInternals(response.text, A);
    }
    expect(logs.map((e) => JSON.stringify(e)).join('\n')).not.toContain('test-secret-of-this-file');
  });
});

describe('reference app: bad input and failures', () => {
  it('answers bad input with a stable 4xx and nothing internal', async () => {
    const cases: [string, string, unknown, number, string][] = [
      ['GET', '/projects/not-a-uuid', undefined, 400, 'invalid-request'],
      ['GET', "/projects/1'%20or%201=1--", undefined, 400, 'invalid-request'],
      ['GET', '/projects?limit=100000', undefined, 400, 'invalid-request'],
      ['POST', '/projects', { name: 'x', slug: 'x', tenantId: B.id }, 400, 'invalid-request'],
      ['POST', '/projects', { name: '', slug: 'x' }, 400, 'invalid-request'],
      ['POST', '/projects', '{"name": "x", ', 400, 'invalid-json'],
      ['POST', '/projects', { name: 'x'.repeat(70_000), slug: 'big' }, 413, 'payload-too-large'],
      ['POST', '/projects', { name: 'Dup', slug: await slugOf(A.projects[0]!) }, 409, 'conflict'],
      ['POST', '/documents', { projectId: B.projects[0], title: 'into their project' }, 422, 'invalid-reference'],
      ['PATCH', `/projects/${A.projects[0]}`, {}, 400, 'invalid-request'],
      ['GET', '/nowhere', undefined, 404, 'route-not-found'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const response = await call(method, path, { token: A.token, body });
      expect({ path, status: response.status, code: response.json.error.code }).toEqual({ path, status, code });
      expectNoInternals(response.text, A);
    }
  });

  it('answers a database failure with a bare 500 and a log line; the connection comes back clean', async () => {
    await admin('revoke select on public.project_summaries from tenantguard_app');
    try {
      const response = await call('GET', '/reports/summary', { token: A.token });
      expect(response.status).toBe(500);
      const requestId = response.json.error.requestId as string;
      expect(response.json).toEqual({ error: { code: 'internal', message: 'internal error', requestId } });
      expectNoInternals(response.text, A);
      expect(logs.find((e) => e.level === 'error' && e.requestId === requestId)).toMatchObject({ msg: 'unexpected error', route: '/reports/summary', error: { code: '42501' } });
      expect(logs.find((e) => e.msg === 'request' && e.requestId === requestId)).toMatchObject({ tenant: A.id, route: '/reports/summary', status: 500 });
    } finally {
      await admin('grant select on public.project_summaries to tenantguard_app');
    }
    // The app's only pooled connection served A's failed request; B must see B's rows only.
    const next = await call('GET', '/projects', { token: B.token });
    expect(next.json.items.map((i: { id: string }) => i.id).sort()).toEqual([...B.projects].sort());
    expectNoInternals(next.text, B);
  });

  it('logs one structured line per request', async () => {
    const response = await call('GET', `/projects/${A.projects[0]}`, { token: A.token });
    expect(response.status).toBe(200);
    const line = logs.filter((e) => e.msg === 'request').at(-1)!;
    expect(line).toMatchObject({ level: 'info', tenant: A.id, method: 'GET', route: '/projects/:id', status: 200 });
    expect(typeof line.requestId).toBe('string');
    expect(typeof line.ms).toBe('number');
  });
});

describe('reference app: lifecycle', () => {
  it('closes gracefully: an in-flight request finishes, new ones are refused', async () => {
    let admitted!: () => void;
    const entered = new Promise<void>((resolve) => (admitted = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const gate: FairnessGate = {
      async admit() {
        admitted();
        await held;
        return { release() {} };
      },
      statementTimeoutMs: () => 5000, // exercises SET LOCAL statement_timeout
    };
    const second = await startReferenceApp({ databaseUrl: url, appRole, jwtSecret: 'test-secret-of-this-file', fairness: gate });
    const inFlight = call('GET', '/projects', { token: A.token, base: second.url });
    await entered;
    const closing = second.close();
    release();
    const response = await inFlight;
    await closing;
    expect(response.status).toBe(200);
    expect(response.json.items).toHaveLength(A.projects.length);
    await expect(fetch(`${second.url}/health`)).rejects.toThrow();
    await second.close(); // twice is fine
  });
});

async function slugOf(projectId: string): Promise<string> {
  return (await admin<{ slug: string }>('select slug from public.projects where id = $1', [projectId]))[0]!.slug;
}
