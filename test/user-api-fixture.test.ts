import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { inferTenancy } from '../src/catalog/infer-tenancy.ts';
import { introspect } from '../src/catalog/introspect.ts';
import type { SeedManifest } from '../src/core/manifest.ts';
import { withClient, withCredentials } from '../src/db/connect.ts';
import { findFreePort } from '../src/db/free-port.ts';
import { httpApiOf, startCommandOf } from '../src/scenario/http-api.ts';
import { loadScenario } from '../src/scenario/load-scenario.ts';
import type { Scenario } from '../src/scenario/types.ts';
import { seedTenants } from '../src/seed/seed-tenants.ts';
import { repoRoot } from './helpers/cli.ts';
import { databaseWithSchema, useTestServer } from './helpers/database.ts';

// fixtures/user-api: a user's own API (not the reference app), started the way the pipeline
// will start it — the scenario's command, PORT and the app role's DATABASE_URL — on a real
// Postgres. Secure first, then each flaw, proving the flaw is real before any probe looks.

const scenarioFile = join(repoRoot, 'fixtures/user-api/scenario.yaml');

describe('fixtures/user-api scenario', () => {
  it('loads and describes the API for the attacks', async () => {
    const scenario = await loadScenario(scenarioFile);
    const resource = (name: string, update: Record<string, unknown>) => ({
      table: `public.${name}`,
      idColumn: 'id',
      createdIdField: 'data.id',
      list: { method: 'GET', path: `/api/v1/${name}` },
      get: { method: 'GET', path: `/api/v1/${name}/{id}` },
      create: { method: 'POST', path: `/api/v1/${name}`, body: name === 'notes' ? { title: 'tenantguard {marker}', body: '{marker}' } : { title: 'tenantguard {marker}' } },
      update: { method: 'PATCH', path: `/api/v1/${name}/{id}`, body: update },
      delete: { method: 'DELETE', path: `/api/v1/${name}/{id}` },
    });
    expect(httpApiOf(scenario)).toEqual({
      name: 'user-api',
      auth: { kind: 'header', header: 'x-api-key', query: 'select key from public.api_keys where workspace_id = $1 order by key limit 1' },
      resources: [resource('notes', { title: 'tenantguard {marker}' }), resource('tasks', { title: 'tenantguard {marker}', done: true })],
      reads: ['/api/v1/stats'],
      tenantOverrides: { headers: ['X-Workspace-Id', 'X-Tenant-Id'], bodyFields: ['workspaceId', 'workspace_id'], queryParams: ['workspace_id', 'workspaceId'] },
      health: '/healthz',
    });
    expect(scenario.http?.app).toEqual({
      kind: 'start',
      command: ['node', 'server.mjs'],
      cwd: join(repoRoot, 'fixtures/user-api'),
      env: { USER_API_POOL_SIZE: '4' },
      ready: '/healthz',
      timeoutSeconds: 20,
    });
  });
});

interface Tenant {
  id: string;
  key: string;
  noteIds: number[];
}

/** A started server.mjs; `stop` kills it and waits for it to exit. */
interface RunningApi {
  url: string;
  get(path: string, key: string, headers?: Record<string, string>): Promise<{ status: number; body: unknown }>;
  stop(): Promise<void>;
}

async function startApi(scenario: Scenario, databaseUrl: string, env: Record<string, string>): Promise<RunningApi> {
  const app = scenario.http?.app;
  if (app?.kind !== 'start') throw new Error('the fixture starts its own server');
  const port = await findFreePort();
  const command = startCommandOf(app, { port, databaseUrl });
  const child: ChildProcess = spawn(command.program, command.args, { cwd: command.cwd, env: { ...process.env, ...command.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    for (let attempt = 0; ; attempt++) {
      if (child.exitCode !== null) throw new Error(`server.mjs exited (${child.exitCode}): ${stderr}`);
      const ok = await fetch(`${url}${app.ready}`).then((r) => r.ok, () => false);
      if (ok) break;
      if (attempt > 200) throw new Error(`server.mjs did not answer ${app.ready}: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    async get(path, key, headers = {}) {
      const response = await fetch(`${url}${path}`, { headers: { 'x-api-key': key, ...headers } });
      return { status: response.status, body: await response.json().catch(() => null) };
    },
    stop,
  };
}

/** Runs `use` against a started server and always stops it. */
async function withApi(scenario: Scenario, databaseUrl: string, env: Record<string, string>, use: (api: RunningApi) => Promise<void>): Promise<void> {
  const api = await startApi(scenario, databaseUrl, env);
  try {
    await use(api);
  } finally {
    await api.stop();
  }
}

const idsOf = (body: unknown) => ((body as { data: { id: number }[] }).data ?? []).map((row) => row.id).sort((a, b) => a - b);

describe('fixtures/user-api server', () => {
  const server = useTestServer();
  let scenario: Scenario;
  let appUrl: string;
  let tenants: Tenant[];

  beforeAll(async () => {
    scenario = await loadScenario(scenarioFile);
    const adminUrl = await databaseWithSchema(server(), { files: scenario.schema }, 'userapi');
    const snapshot = await withClient(adminUrl, (c) => introspect(c));
    const manifest: SeedManifest = await seedTenants(adminUrl, snapshot, inferTenancy(snapshot, scenario.tenancy).tenancy, { tenants: 3, rowsPerTable: 3, seed: 11 });
    const notes = manifest.tables.find((t) => t.table.name === 'notes')!;
    const idAt = notes.keyColumns.indexOf('id');
    const auth = scenario.http!.auth;
    if (auth.kind !== 'header' || !auth.query) throw new Error('the fixture reads its keys with a query');
    // The keys exactly as the pipeline will get them: the scenario's query, as the administrator.
    tenants = await withClient(adminUrl, async (c) => {
      const read: Tenant[] = [];
      for (const t of manifest.tenants) {
        const key = (await c.query<{ key: string }>(auth.query!, [t.id])).rows[0]!.key;
        read.push({ id: t.id, key, noteIds: (notes.keys.get(t.index) ?? []).map((k) => Number(k[idAt])).sort((x, y) => x - y) });
      }
      return read;
    });
    const role = scenario.tenancy.appRole!;
    appUrl = withCredentials(adminUrl, role.name, role.password ?? undefined);
  }, 120_000);

  it('secure: a key reads its own workspace only, and other workspaces’ rows are 404', async () => {
    const [a, b] = [tenants[0]!, tenants[1]!];
    expect(a.noteIds.length).toBeGreaterThan(0);
    expect(b.noteIds.length).toBeGreaterThan(0);
    await withApi(scenario, appUrl, {}, async (api) => {
      expect(idsOf((await api.get('/api/v1/notes', a.key)).body)).toEqual(a.noteIds);
      expect((await api.get(`/api/v1/notes/${a.noteIds[0]}`, a.key)).status).toBe(200);
      expect(await api.get(`/api/v1/notes/${b.noteIds[0]}`, a.key)).toEqual({ status: 404, body: { error: { code: 'not_found', message: 'note not found' } } });
      // The header the trust-header flaw obeys changes nothing here.
      expect(idsOf((await api.get('/api/v1/notes', a.key, { 'x-workspace-id': b.id })).body)).toEqual(a.noteIds);
      expect((await api.get('/api/v1/notes', 'not-a-key')).status).toBe(401);
      expect((await api.get('/api/v1/stats', a.key)).body).toMatchObject({ data: { notes: a.noteIds.length } });
    });
  }, 60_000);

  it('trust-header: a key with X-Workspace-Id reads another workspace', async () => {
    const [a, b] = [tenants[0]!, tenants[1]!];
    await withApi(scenario, appUrl, { USER_API_FLAW: 'trust-header' }, async (api) => {
      expect(idsOf((await api.get('/api/v1/notes', a.key)).body)).toEqual(a.noteIds);
      const leaked = await api.get('/api/v1/notes', a.key, { 'X-Workspace-Id': b.id });
      expect(leaked.status).toBe(200);
      expect(idsOf(leaked.body)).toEqual(b.noteIds);
      expect((await api.get(`/api/v1/notes/${b.noteIds[0]}`, a.key, { 'X-Workspace-Id': b.id })).status).toBe(200);
    });
  }, 60_000);

  // On one pooled connection: A's request leaves its workspace on the session; B's next request
  // sets B's but fails (404) and rolls back, which restores A's in Postgres while the app
  // believes the connection carries B; B's following request then reads A's notes.
  const bleed = async (api: RunningApi) => {
    const [a, b] = [tenants[0]!, tenants[1]!];
    expect(idsOf((await api.get('/api/v1/notes', a.key)).body)).toEqual(a.noteIds);
    expect((await api.get('/api/v1/notes/999999999', b.key)).status).toBe(404);
    return idsOf((await api.get('/api/v1/notes', b.key)).body);
  };

  it('session-context: on a one-connection pool, B reads A’s notes after a failed request', async () => {
    await withApi(scenario, appUrl, { USER_API_FLAW: 'session-context', USER_API_POOL_SIZE: '1' }, async (api) => {
      expect(await bleed(api)).toEqual(tenants[0]!.noteIds);
    });
  }, 60_000);

  it('secure: the same sequence on a one-connection pool gives B its own notes', async () => {
    await withApi(scenario, appUrl, { USER_API_POOL_SIZE: '1' }, async (api) => {
      expect(await bleed(api)).toEqual(tenants[1]!.noteIds);
    });
  }, 60_000);
});
