import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateScenarioInput } from './schema.ts';

// The `http` section's validation: broken sections first, each problem with its path and
// message; then every documented form accepted.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tenantguard-http-schema-'));
  await writeFile(join(dir, 'schema.sql'), 'select 1;\n');
  await mkdir(join(dir, 'app'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const notes = { table: 'public.notes', list: 'GET /api/notes', get: 'GET /api/notes/{id}' };
const jwt = { kind: 'jwt', secretEnv: 'MY_APP_JWT_SECRET' };

function problemsOf(http: unknown): string[] {
  const result = validateScenarioInput({ schema: 'schema.sql', http }, dir);
  if (result.ok) throw new Error('expected the scenario to be invalid');
  return result.problems;
}

function accepts(http: unknown): boolean {
  const result = validateScenarioInput({ schema: 'schema.sql', http }, dir);
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return true;
}

describe('the http section, broken', () => {
  it('reports every problem at once, with its path', () => {
    expect(problemsOf({ auth: { kind: 'jwtt' }, resources: [], reeds: [] })).toEqual([
      'http.auth.kind: expected "jwt" or "header", got "jwtt"',
      'http.resources: expected at least one resource, got an empty list',
      'http.reeds: unknown key, did you mean "reads"?',
      'http: expected exactly one of baseUrl (an app already running), start (a command that starts it) and reference: true (the shipped reference app), got none',
    ]);
    expect(problemsOf({ baseUrl: 'http://127.0.0.1:3000', start: { command: 'node server.mjs' }, auth: jwt, resources: [notes] })).toEqual([
      'http: expected exactly one of baseUrl (an app already running), start (a command that starts it) and reference: true (the shipped reference app), got baseUrl and start',
    ]);
    expect(problemsOf({ baseUrl: 'http://x' })).toEqual(['http.auth: required', 'http.resources: required']);
    // The reference app describes itself.
    expect(problemsOf({ reference: true, auth: jwt, reads: [] })).toEqual([
      'http.auth: not with reference: true (the reference app describes itself)',
      'http.reads: not with reference: true (the reference app describes itself)',
    ]);
    expect(accepts({ reference: true })).toBe(true);
  });

  it('checks URLs, and never echoes one with credentials', () => {
    const problems = problemsOf({ baseUrl: 'https://admin:hunter2@app.internal', auth: jwt, resources: [notes] });
    expect(problems).toEqual(['http.baseUrl: expected a URL without credentials (reports print it), got a URL with credentials; give them through http.auth']);
    expect(problems.join('\n')).not.toMatch(/hunter2|admin/);
    expect(problemsOf({ baseUrl: 'ftp://files', auth: jwt, resources: [notes] })).toEqual(['http.baseUrl: expected an http(s) URL like http://127.0.0.1:3000, got "ftp://files"']);
    expect(problemsOf({ baseUrl: 'localhost:3000/x?y', auth: jwt, resources: [notes] })[0]).toMatch(/^http\.baseUrl: expected an http\(s\) URL/);
    expect(problemsOf({ baseUrl: 'http://127.0.0.1:3000/api', auth: jwt, resources: [notes] })).toEqual([
      'http.baseUrl: expected a URL with no path, query or fragment (write a path prefix into the routes), got "http://127.0.0.1:3000/api"',
    ]);
    expect(problemsOf({ baseUrl: 'not a url @ all', auth: jwt, resources: [notes] })).toEqual(['http.baseUrl: expected an http(s) URL like http://127.0.0.1:3000, got a string']);
  });

  it('checks paths, methods and where {id} goes', () => {
    const resource = {
      table: 'notes',
      list: 'GET /api/notes/{id}',
      get: 'GET /api/notes/:noteId',
      create: { method: 'POST', path: 'api/notes' },
      update: { method: 'FETCH', path: '/api/notes' },
      delete: 'delete /api/notes/{id}',
    };
    expect(problemsOf({ baseUrl: 'http://x', auth: jwt, resources: [resource, { table: 'tasks', get: 'GET /t/{taskId}' }, { table: 'public.notes', list: 'GET //evil/x' }] })).toEqual([
      'http.resources[0].list: expected a path without {id} (it names no row), got "/api/notes/{id}"',
      `http.resources[0].get: ":noteId" is a route pattern, not a placeholder; write {id} where the row's id goes`,
      'http.resources[0].create.path: expected a path starting with a single /, got "api/notes"',
      'http.resources[0].update.method: expected one of GET, POST, PATCH, PUT, DELETE, got "FETCH"',
      `http.resources[0].update.path: expected a path with {id} where the row's id goes, got "/api/notes"`,
      'http.resources[0].delete: expected "METHOD /path" with METHOD one of GET, POST, PATCH, PUT, DELETE, or { method, path, body? }, got "delete /api/notes/{id}"',
      'http.resources[1].get: unknown placeholder {taskId}; use {id}, {tenant}, {user}, {marker} or {row.<column>}',
      'http.resources[2].list: expected a path starting with a single /, got "//evil/x"',
      'http.resources[2].table: public.notes is already described by resources[0]; describe each table once',
    ]);
  });

  it('needs a table name and at least one operation per resource', () => {
    expect(problemsOf({ baseUrl: 'http://x', auth: jwt, resources: [{ table: 'a.b.c' }, { tabel: 'notes', list: 'GET /n' }] })).toEqual([
      'http.resources[0].table: expected a table name like schema.table, got "a.b.c"',
      'http.resources[0]: expected at least one of list, get, create, update, delete',
      'http.resources[1].table: required',
      'http.resources[1].tabel: unknown key, did you mean "table"?',
    ]);
  });

  it('checks health, ready and read paths', () => {
    expect(problemsOf({ start: { command: 'node s.mjs', ready: 'health' }, health: '/h/{tenant}', auth: jwt, resources: [notes], reads: ['/r/{id}', 'https://x/r'] })).toEqual([
      'http.start.ready: expected a path starting with a single /, got "health"',
      'http.health: expected a path without placeholders, got "/h/{tenant}"',
      'http.reads[0]: expected a path without {id} (it names no row), got "/r/{id}"',
      'http.reads[1]: expected a path starting with / (the host comes from baseUrl or start), got "https://x/r"',
    ]);
  });

  it('runs no shell: shell syntax, a missing folder and reserved variables are refused', () => {
    const start = { command: 'npm run build && node server.mjs', cwd: 'nowhere', env: { PORT: 3000, DATABASE_URL: 'x', 'my-var': 'x', OK: ['a'] }, timeoutSeconds: 0 };
    expect(problemsOf({ start, auth: jwt, resources: [notes] })).toEqual([
      'http.start.command: "&" is shell syntax; the command is not run by a shell; write it as a list, e.g. [sh, -c, "..."], if it needs one',
      'http.start.cwd: folder not found: nowhere',
      'http.start.env.OK: expected a string, number or true/false, got a list',
      'http.start.env.PORT: set by tenantguard (the port it picked); leave it out, or pass it on under another name with {port}',
      "http.start.env.DATABASE_URL: set by tenantguard (the application role's connection string); leave it out, or pass it on under another name with {databaseUrl}",
      'http.start.env["my-var"]: expected an environment variable name (letters, digits, _), got "my-var"',
      'http.start.timeoutSeconds: expected a number of seconds above 0, at most 600, got 0',
    ]);
    expect(problemsOf({ start: { command: ['node', 'server.mjs', '--db={databaseUrl}'] }, auth: jwt, resources: [notes] })).toEqual([
      'http.start.command[2]: put {databaseUrl} in start.env, not in the command: arguments are visible to other users (ps)',
    ]);
    expect(problemsOf({ start: { command: [] }, auth: jwt, resources: [notes] })).toEqual(['http.start.command: expected a program and its arguments, got an empty list']);
  });

  it('takes a JWT secret by the name of its variable, never the secret', () => {
    const problems = problemsOf({ baseUrl: 'http://x', auth: { kind: 'jwt', secretEnv: 'eyJhbGciOiJIUzI1NiJ9.s3cret', algorithm: 'RS256', secretenv: 'X' }, resources: [notes] });
    expect(problems).toEqual([
      'http.auth.secretEnv: expected the name of an environment variable holding the secret (not the secret itself), got a string',
      'http.auth.algorithm: expected one of HS256, HS384, HS512, got "RS256"',
      'http.auth.secretenv: unknown key, did you mean "secretEnv"?',
    ]);
    expect(problems.join('\n')).not.toMatch(/s3cret|eyJ/);
    expect(problemsOf({ baseUrl: 'http://x', auth: { kind: 'jwt' }, resources: [notes] })).toEqual(['http.auth.secretEnv: required']);
  });

  it('needs exactly one of value and query for header auth, each telling tenants apart', () => {
    const bad = (auth: object) => problemsOf({ baseUrl: 'http://x', auth: { kind: 'header', ...auth }, resources: [notes] });
    expect(bad({ header: 'x-api-key' })).toEqual(["http.auth: expected one of value (a template) and query (SQL reading each tenant's value), got neither"]);
    expect(bad({ header: 'x api', value: 'k-{tenant}', query: 'select key from keys where tenant_id = $1' })).toEqual([
      'http.auth.header: expected a header name like authorization, got "x api"',
      "http.auth: expected one of value (a template) and query (SQL reading each tenant's value), got both",
    ]);
    expect(bad({ header: 'x-api-key', value: 'same-for-all' })).toEqual([
      'http.auth.value: expected a template with {tenant} or {user} (one value for every tenant cannot tell them apart), got "same-for-all"',
    ]);
    expect(bad({ header: 'x-api-key', value: '{workspace}' })).toEqual(['http.auth.value: unknown placeholder {workspace}; use {tenant} or {user}']);
    expect(bad({ header: 'x-api-key', query: 'select key from keys where tenant_id = $12' })).toEqual([
      'http.auth.query: expected SQL with $1 for the tenant id, got "select key from keys where tenant_id = $12"',
    ]);
    expect(bad({ value: '{tenant}' })).toEqual(['http.auth.header: required']);
  });
});

describe('the http section, in its documented forms', () => {
  it('accepts a running app with JWT auth and every optional field', () => {
    expect(
      accepts({
        enabled: false,
        baseUrl: 'https://app.test:8443/',
        health: '/health',
        auth: { ...jwt, header: 'authorization', scheme: '', algorithm: 'HS512', claims: { tid: '{tenant}', sub: '{user}', role: 'member' }, expiresInSeconds: 60 },
        resources: [
          {
            table: '"My Schema".notes',
            idColumn: 'id',
            createdIdField: 'data.id',
            list: 'GET /api/notes?tenant={tenant}',
            get: { method: 'GET', path: '/api/notes/{id}' },
            create: { method: 'POST', path: '/api/notes', body: { title: '{marker}', slug: '{row.slug}', tags: ['a'] } },
            update: { method: 'PUT', path: '/api/notes/{id}', body: { title: 'x' } },
            delete: 'DELETE /api/notes/{id}',
          },
        ],
        reads: ['/api/stats', '/api/search?q=tg'],
        tenantOverrides: { headers: ['X-Org'], bodyFields: [], queryParams: ['org'] },
      }),
    ).toBe(true);
  });

  it('accepts a started app, its command as a string or a list, and header auth both ways', () => {
    const start = { command: "node 'my server.mjs' --port {port}", cwd: 'app', env: { LOG_LEVEL: 'warn', DEBUG: 1, COLOR: false, PG: '{databaseUrl}' }, ready: '/ready', timeoutSeconds: 90 };
    expect(accepts({ start, auth: { kind: 'header', header: 'x-api-key', value: 'key-{tenant}' }, resources: [notes] })).toBe(true);
    expect(accepts({ start: { command: ['node', 'server.mjs'] }, auth: { kind: 'header', header: 'x-api-key', query: 'select key from k where t = $1' }, resources: [notes] })).toBe(true);
  });
});
