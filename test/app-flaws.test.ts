import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FairnessGate } from '../src/app/fairness-port.ts';
import type { FlawName } from '../src/app/flaws.ts';
import { startReferenceApp, type ReferenceApp, type ReferenceAppOptions } from '../src/app/start-app.ts';
import { inferTenancy } from '../src/catalog/infer-tenancy.ts';
import { introspect } from '../src/catalog/introspect.ts';
import { withClient } from '../src/db/connect.ts';
import { loadScenario } from '../src/scenario/load-scenario.ts';
import { seedTenants } from '../src/seed/seed-tenants.ts';
import { repoRoot } from './helpers/cli.ts';
import { databaseWithSchema, useTestServer } from './helpers/database.ts';

// Each flaw, broken then fixed: the same requests against the secure app and against the app
// with that one flaw switched on, on one seeded database. The flawed app must really behave
// differently (here: mostly a cross-tenant read); detecting it is the harness's job, later.
const server = useTestServer();
const appRole = { name: 'tenantguard_app', password: 'tenantguard_app' };
const secret = 'flaw-test-secret';
let url: string;
let secure: ReferenceApp;
type Tenant = { id: string; user: string; project: string; slug: string; invoice: string };
let A: Tenant;
let B: Tenant;

const admin = <R extends Record<string, unknown>>(sql: string, params: unknown[] = []) => withClient(url, async (c) => (await c.query<R>(sql, params)).rows);

async function tenant(id: string): Promise<Tenant> {
  const [row] = await admin<Omit<Tenant, 'id'>>(
    `select (select user_id::text from public.memberships where tenant_id = $1 limit 1) as "user",
            p.id::text as project, p.slug, (select id::text from public.invoices where tenant_id = $1 limit 1) as invoice
       from public.projects p where p.tenant_id = $1 order by p.id limit 1`,
    [id],
  );
  return { id, ...row! };
}

async function call(app: ReferenceApp, method: string, path: string, options: { token: string; body?: unknown; headers?: Record<string, string> }) {
  const headers: Record<string, string> = { authorization: `Bearer ${options.token}`, ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${app.url}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
}

/** Starts an app with `flaw` (and any other options), runs `work`, always closes it. */
async function withApp(flaw: FlawName | undefined, options: Partial<ReferenceAppOptions>, work: (app: ReferenceApp) => Promise<void>): Promise<void> {
  const app = await startReferenceApp({ databaseUrl: url, appRole, jwtSecret: secret, ...(flaw ? { flaw } : {}), ...options });
  try {
    await work(app);
  } finally {
    await app.close();
  }
}

beforeAll(async () => {
  const scenario = await loadScenario(join(repoRoot, 'scenarios/reference.ts'));
  url = await databaseWithSchema(server(), { files: scenario.schema }, 'flaws');
  const snapshot = await withClient(url, (c) => introspect(c));
  const manifest = await seedTenants(url, snapshot, inferTenancy(snapshot, scenario.tenancy).tenancy, { tenants: 2, rowsPerTable: 3, seed: 5 });
  [A, B] = (await Promise.all(manifest.tenants.map((t) => tenant(t.id)))) as [Tenant, Tenant];
  secure = await startReferenceApp({ databaseUrl: url, appRole, jwtSecret: secret, poolSize: 1 });
});
afterAll(() => secure?.close());

describe('reference app flaws', () => {
  it('session-level-tenant: after a rolled-back request, a tenant reads the previous tenant’s rows', async () => {
    const sequence = async (app: ReferenceApp) => {
      const [a, b] = [await app.mintToken(A.id, A.user), await app.mintToken(B.id, B.user)];
      // B once (its plan is then cached), A: the only connection now carries A.
      expect((await call(app, 'GET', '/projects', { token: b })).status).toBe(200);
      expect((await call(app, 'GET', '/projects', { token: a })).status).toBe(200);
      // B sets B and fails: the rollback restores A in Postgres, not in the app's memory.
      expect((await call(app, 'POST', '/projects', { token: b, body: { name: 'dup', slug: B.slug } })).status).toBe(409);
      return (await call(app, 'GET', `/projects/${A.project}`, { token: b })).status;
    };
    expect(await sequence(secure)).toBe(404);
    await withApp('session-level-tenant', { poolSize: 1 }, async (app) => expect(await sequence(app)).toBe(200));
  });

  it('tenant-from-header: a header or a body field overrides the signed tenant', async () => {
    const read = async (app: ReferenceApp) => (await call(app, 'GET', `/projects/${A.project}`, { token: await app.mintToken(B.id, B.user), headers: { 'x-tenant-id': A.id } })).status;
    const write = async (app: ReferenceApp) => call(app, 'POST', '/projects', { token: await app.mintToken(B.id, B.user), body: { name: 'planted', slug: `planted-${app.port}`, tenantId: A.id } });
    expect(await read(secure)).toBe(404);
    expect((await write(secure)).status).toBe(400);
    await withApp('tenant-from-header', {}, async (app) => {
      expect(await read(app)).toBe(200);
      const planted = await write(app);
      expect(planted.status).toBe(201);
      expect(await admin('select tenant_id::text as t from public.projects where id = $1', [planted.json.id])).toEqual([{ t: A.id }]);
    });
  });

  it('unverified-token: a token signed with any key is trusted', async () => {
    const forged = await secure.mintToken(A.id, 'mallory', { secret: 'not-the-server-secret' });
    expect((await call(secure, 'GET', `/projects/${A.project}`, { token: forged })).status).toBe(401);
    await withApp('unverified-token', {}, async (app) => expect((await call(app, 'GET', `/projects/${A.project}`, { token: forged })).status).toBe(200));
  });

  it('context-failure-ignored: a request whose tenant context failed still runs its queries', async () => {
    // A NUL in the user claim makes Postgres refuse the set_config parameters.
    const poisoned = (app: ReferenceApp) => app.mintToken(A.id, 'user\u0000x');
    const secureAnswer = await call(secure, 'GET', '/projects', { token: await poisoned(secure) });
    expect(secureAnswer.status).toBe(500);
    await withApp('context-failure-ignored', {}, async (app) => {
      const answer = await call(app, 'GET', '/projects', { token: await poisoned(app) });
      expect(answer).toMatchObject({ status: 200, json: { items: [] } });
    });
  });

  it('no-fairness: the gate is bypassed', async () => {
    const refuseAll: FairnessGate = { admit: async () => ({ reject: { status: 429, retryAfterSeconds: 7 } }), statementTimeoutMs: () => 1 };
    const token = (app: ReferenceApp) => app.mintToken(A.id, A.user);
    await withApp(undefined, { fairness: refuseAll }, async (app) => {
      const answer = await call(app, 'GET', '/projects', { token: await token(app) });
      expect(answer).toMatchObject({ status: 429, json: { error: { code: 'rate-limited' } } });
      expect(answer.headers.get('retry-after')).toBe('7');
    });
    await withApp('no-fairness', { fairness: refuseAll }, async (app) => expect((await call(app, 'GET', '/reports/summary', { token: await token(app) })).status).toBe(200));
  });

  it('route-without-tenant: GET /invoices/:id serves any tenant’s invoice; undone on close', async () => {
    const read = async (app: ReferenceApp) => call(app, 'GET', `/invoices/${A.invoice}`, { token: await app.mintToken(B.id, B.user) });
    expect((await read(secure)).status).toBe(404);
    const ownership = `select relowner::regrole::text as owner, relforcerowsecurity as forced from pg_class where oid = 'public.invoices'::regclass`;
    const before = await admin(ownership);
    await withApp('route-without-tenant', {}, async (app) => {
      const leaked = await read(app);
      expect(leaked).toMatchObject({ status: 200, json: { id: A.invoice } });
      // Only that route: the list still filters on the tenant.
      const list = await call(app, 'GET', '/invoices', { token: await app.mintToken(B.id, B.user) });
      expect(list.json.items.map((i: { id: string }) => i.id)).not.toContain(A.invoice);
    });
    expect(await admin(ownership)).toEqual(before);
    expect((await read(secure)).status).toBe(404);
    const created = await call(secure, 'POST', '/invoices', { token: await secure.mintToken(B.id, B.user), body: { number: 'after-restore' } });
    expect(created.status).toBe(201);
  });
});
