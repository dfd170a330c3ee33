import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultTenantOverrides } from '../attacks/http/api.ts';
import { splitCommand } from './command-line.ts';
import { httpApiOf, startCommandOf } from './http-api.ts';
import { resolveScenario } from './load-scenario.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tenantguard-http-api-'));
  await writeFile(join(dir, 'schema.sql'), 'select 1;\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const scenarioWith = (http: unknown) => resolveScenario({ name: 'mine', schema: 'schema.sql', http }, null, dir);

describe('the http section with its defaults', () => {
  it('fills in a minimal section: enabled, /health, JWT defaults, default overrides, long-form operations', () => {
    const scenario = scenarioWith({
      baseUrl: 'http://127.0.0.1:3000',
      auth: { kind: 'jwt', secretEnv: 'MY_APP_JWT_SECRET' },
      resources: [{ table: 'notes', list: 'GET /api/notes', delete: 'DELETE  /api/notes/{id} ' }],
    });
    expect(scenario.http).toEqual({
      enabled: true,
      app: { kind: 'running', baseUrl: 'http://127.0.0.1:3000' },
      health: '/health',
      auth: { kind: 'jwt', secretEnv: 'MY_APP_JWT_SECRET', header: 'authorization', scheme: 'Bearer', algorithm: 'HS256', claims: { tid: '{tenant}', sub: '{user}' }, expiresInSeconds: 3600 },
      resources: [{ table: 'public.notes', list: { method: 'GET', path: '/api/notes' }, delete: { method: 'DELETE', path: '/api/notes/{id}' } }],
      reads: [],
      tenantOverrides: defaultTenantOverrides,
    });
    expect(resolveScenario({ schema: 'schema.sql' }, null, dir).http).toBeNull();
  });

  it('spells tables as schema.name, keeping the quotes a dotted part needs', () => {
    const tables = (...names: string[]) =>
      scenarioWith({ baseUrl: 'http://x', auth: { kind: 'jwt', secretEnv: 'S' }, resources: names.map((table) => ({ table, list: 'GET /x' })) }).http?.resources.map((r) => r.table);
    expect(tables('notes', '"My Schema".notes', '"v1.0".notes')).toEqual(['public.notes', 'My Schema.notes', '"v1.0".notes']);
  });

  it('resolves a start command: argv, an absolute folder, string values, ready defaulting to health', () => {
    const scenario = scenarioWith({
      start: { command: `node "my app/server.mjs" --port {port}`, env: { DEBUG: 1, COLOR: false } },
      health: '/healthz',
      auth: { kind: 'header', header: 'x-api-key', value: 'key-{tenant}' },
      resources: [{ table: 'app.notes', get: 'GET /n/{id}' }],
      tenantOverrides: { headers: ['X-Workspace-Id'] },
    });
    expect(scenario.http?.app).toEqual({ kind: 'start', command: ['node', 'my app/server.mjs', '--port', '{port}'], cwd: dir, env: { DEBUG: '1', COLOR: 'false' }, ready: '/healthz', timeoutSeconds: 30 });
    expect(scenario.http?.auth).toEqual({ kind: 'header', header: 'x-api-key', value: 'key-{tenant}' });
    // A list given replaces its default; the others keep theirs.
    expect(scenario.http?.tenantOverrides).toEqual({ ...defaultTenantOverrides, headers: ['X-Workspace-Id'] });
  });
});

describe('httpApiOf', () => {
  it('gives the attacks the API without the secret or the way the app runs', () => {
    const scenario = scenarioWith({
      baseUrl: 'http://127.0.0.1:3000',
      auth: { kind: 'jwt', secretEnv: 'MY_APP_JWT_SECRET', claims: { org: '{tenant}' } },
      resources: [{ table: 'public.notes', idColumn: 'id', createdIdField: 'data.id', create: { method: 'POST', path: '/api/notes', body: { title: '{marker}' } } }],
      reads: ['/api/stats'],
    });
    const api = httpApiOf(scenario);
    expect(api).toEqual({
      name: 'mine',
      auth: { kind: 'jwt', header: 'authorization', scheme: 'Bearer', algorithm: 'HS256', claims: { org: '{tenant}' }, expiresInSeconds: 3600 },
      resources: [{ table: 'public.notes', idColumn: 'id', createdIdField: 'data.id', create: { method: 'POST', path: '/api/notes', body: { title: '{marker}' } } }],
      reads: ['/api/stats'],
      tenantOverrides: defaultTenantOverrides,
      health: '/health',
    });
    expect(JSON.stringify(api)).not.toMatch(/MY_APP_JWT_SECRET|127\.0\.0\.1/);
    // Copies: filling templates in the API never edits the scenario.
    (api!.resources[0]!.create!.body as { title: string }).title = 'changed';
    expect(scenario.http?.resources[0]?.create?.body).toEqual({ title: '{marker}' });
  });

  it('is null without a section or with the section turned off', () => {
    expect(httpApiOf(resolveScenario({ schema: 'schema.sql' }, null, dir))).toBeNull();
    const off = scenarioWith({ enabled: false, baseUrl: 'http://x', auth: { kind: 'header', header: 'k', query: 'select $1' }, resources: [{ table: 't', list: 'GET /t' }] });
    expect(httpApiOf(off)).toBeNull();
  });
});

describe('startCommandOf', () => {
  it('sets PORT and DATABASE_URL and fills {port} and {databaseUrl}', () => {
    const app = { kind: 'start' as const, command: ['node', 'server.mjs', '--port={port}'], cwd: '/srv/app', env: { PG_URL: '{databaseUrl}', HTTP: ':{port}', LOG: 'warn' }, ready: '/h', timeoutSeconds: 30 };
    expect(startCommandOf(app, { port: 4321, databaseUrl: 'postgres://app:pw@127.0.0.1:5432/db' })).toEqual({
      program: 'node',
      args: ['server.mjs', '--port=4321'],
      cwd: '/srv/app',
      env: { PG_URL: 'postgres://app:pw@127.0.0.1:5432/db', HTTP: ':4321', LOG: 'warn', PORT: '4321', DATABASE_URL: 'postgres://app:pw@127.0.0.1:5432/db' },
    });
  });
});

describe('splitCommand', () => {
  it('splits words like a shell, without one', () => {
    expect(splitCommand(`node  server.mjs`)).toEqual({ ok: true, argv: ['node', 'server.mjs'] });
    expect(splitCommand(`node 'a b.mjs' "c \\"d\\"" e\\ f ''`)).toEqual({ ok: true, argv: ['node', 'a b.mjs', 'c "d"', 'e f', ''] });
    expect(splitCommand(`node '$HOME'`)).toEqual({ ok: true, argv: ['node', '$HOME'] });
  });

  it('refuses what only a shell would understand, and broken quoting', () => {
    expect(splitCommand('node a.mjs > log')).toMatchObject({ ok: false, problem: expect.stringMatching(/^">" is shell syntax/) });
    expect(splitCommand('node "$HOME/a.mjs"')).toMatchObject({ ok: false, problem: expect.stringMatching(/^"\$" would be expanded by a shell/) });
    expect(splitCommand(`node 'a`)).toEqual({ ok: false, problem: 'a single quote is not closed' });
    expect(splitCommand(`node "a`)).toEqual({ ok: false, problem: 'a double quote is not closed' });
    expect(splitCommand('node \\')).toEqual({ ok: false, problem: 'the command ends with a backslash' });
    expect(splitCommand('   ')).toEqual({ ok: false, problem: 'the command is empty' });
  });
});
