import { findRelation } from './lookup.ts';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseWithSchema, startTestServer } from '../../test/helpers/database.ts';
import { isHarnessError } from '../core/errors.ts';
import { pgErrorFields, withClient, withCredentials } from '../db/connect.ts';
import type { StartedDatabase } from '../db/database.ts';
import { findFunctionCalls } from './ast.ts';
import { introspect } from './introspect.ts';
import { inReadOnlySnapshot } from './read-only.ts';
import type { CatalogSnapshot, Relation } from './snapshot.ts';

const fixture = fileURLToPath(new URL('../../fixtures/catalog/kinds.sql', import.meta.url));

let server: StartedDatabase;
let url: string;
let snapshot: CatalogSnapshot;

beforeAll(async () => {
  server = await startTestServer();
  url = await databaseWithSchema(server, { files: [fixture] }, 'catalog');
  await withClient(url, async (client) => {
    // PG 16+ grant options; the fixture stays valid on 15, where memberships are tested too.
    await client.query('grant cat_readers to cat_support with inherit false, set false');
    await client.query("create role cat_reader login password 'reader-secret'");
    await client.query(`alter database ${new URL(url).pathname.slice(1)} set app.tenant_id = ''`);
  });
  snapshot = await withClient(url, (client) => introspect(client));
});
afterAll(() => server?.stop());

const relation = (qualified: string): Relation => findRelation(snapshot, qualified);

describe('introspect: policies', () => {
  it('reads every command, permissive and restrictive, with role names and PUBLIC', () => {
    const policies = relation('app.tasks').policies;
    expect(policies.map((p) => [p.name, p.command, p.permissive, p.roles, p.using !== null, p.withCheck !== null])).toEqual([
      ['tasks_delete', 'delete', true, ['public'], true, false],
      ['tasks_guard', 'all', false, ['public'], true, false],
      ['tasks_insert', 'insert', true, ['cat_readers'], false, true],
      ['tasks_select', 'select', true, ['public'], true, false],
      ['tasks_update', 'update', true, ['cat_app', 'cat_readers'], true, true],
    ]);
  });

  it('keeps the server text and a parsed AST of each expression', () => {
    const select = relation('app.tasks').policies.find((p) => p.name === 'tasks_select')!;
    expect(select.using?.text).toBe("(tenant_id = (current_setting('app.tenant_id'::text, true))::uuid)");
    const [call] = findFunctionCalls(select.using?.ast, 'current_setting');
    expect(call?.args.map((a) => (a.constant ? a.value : '?'))).toEqual(['app.tenant_id', true]);
  });
});

describe('introspect: roles and memberships', () => {
  it('reads role attributes', () => {
    const role = (name: string) => snapshot.roles.find((r) => r.name === name);
    expect(role('cat_app')).toMatchObject({ login: true, superuser: false, bypassRls: false, inherit: true });
    expect(role('cat_auditor')).toMatchObject({ login: true, inherit: false });
    expect(role('cat_support')).toMatchObject({ login: false, bypassRls: true });
    expect(role(snapshot.currentUser)).toMatchObject({ superuser: true, createRole: true, createDb: true });
  });

  it('reads memberships with admin, inherit and set options', () => {
    const edges = snapshot.memberships.filter((m) => m.role === 'cat_readers');
    expect(edges).toEqual([
      { role: 'cat_readers', member: 'cat_app', grantor: snapshot.currentUser, admin: false, inherit: true, set: true },
      { role: 'cat_readers', member: 'cat_auditor', grantor: snapshot.currentUser, admin: true, inherit: false, set: true },
      { role: 'cat_readers', member: 'cat_support', grantor: snapshot.currentUser, admin: false, inherit: false, set: false },
    ]);
  });
});

describe('introspect: functions, schemas and default privileges', () => {
  const fn = (name: string) => snapshot.functions.find((f) => f.schema === 'app' && f.name === name)!;

  it('reads security definer functions with and without a pinned search_path', () => {
    expect(fn('current_tenant')).toMatchObject({
      arguments: '', returns: 'uuid', kind: 'function', language: 'sql', securityDefiner: true, volatility: 'stable',
      leakproof: false, strict: false, settings: { search_path: 'pg_catalog, app' }, owner: 'cat_owner', extension: null,
    });
    expect(fn('current_tenant').source).toContain("current_setting('app.tenant_id', true)");
    expect(fn('lookup_tenant_name')).toMatchObject({ arguments: 'p_id uuid', returns: 'text', language: 'plpgsql', securityDefiner: true, settings: {} });
    expect(fn('noop')).toMatchObject({ kind: 'procedure', returns: 'void' });
    expect(fn('trim_title')).toMatchObject({ returns: 'trigger', volatility: 'volatile', securityDefiner: false });
  });

  it('expands NULL function ACLs to PUBLIC EXECUTE and honours revoked defaults', () => {
    const execute = (grantee: string) => ({ grantee, grantor: 'cat_owner', privilege: 'EXECUTE', grantable: false });
    expect(fn('lookup_tenant_name').grants).toEqual([execute('cat_owner'), execute('public')]);
    // Created after ALTER DEFAULT PRIVILEGES ... REVOKE EXECUTE ... FROM PUBLIC.
    expect(fn('current_tenant').grants).toEqual([execute('cat_owner')]);
  });

  it('reads schema grants and default privileges', () => {
    expect(snapshot.schemas.find((s) => s.name === 'app')).toEqual({
      name: 'app',
      owner: 'cat_owner',
      grants: [
        { grantee: 'cat_owner', grantor: 'cat_owner', privilege: 'CREATE', grantable: false },
        { grantee: 'cat_owner', grantor: 'cat_owner', privilege: 'USAGE', grantable: false },
        { grantee: 'cat_readers', grantor: 'cat_owner', privilege: 'USAGE', grantable: false },
      ],
    });
    expect(snapshot.defaultPrivileges).toEqual([
      { role: 'cat_owner', schema: null, objectType: 'function', grants: [{ grantee: 'cat_owner', grantor: 'cat_owner', privilege: 'EXECUTE', grantable: false }] },
      { role: 'cat_owner', schema: 'app', objectType: 'table', grants: [{ grantee: 'cat_readers', grantor: 'cat_owner', privilege: 'SELECT', grantable: false }] },
    ]);
  });

  it('reads server facts and settings, including custom ones', () => {
    expect(snapshot.serverVersionNum).toBe(server.serverVersionNum);
    expect(snapshot.database).toBe(new URL(url).pathname.slice(1));
    expect(snapshot.settings).toMatchObject({ row_security: 'on', 'app.tenant_id': '' });
    expect(Number.isNaN(Date.parse(snapshot.takenAt))).toBe(false);
  });
});

describe('introspect: safety', () => {
  it('runs in a read-only snapshot: a write inside it is refused and nothing is left open', async () => {
    await withClient(url, async (client) => {
      const attempt = inReadOnlySnapshot(client, (tx) => tx.query('create table app.should_not_exist (id int)'));
      await expect(attempt).rejects.toSatisfy((error) => pgErrorFields(error)?.code === '25006');
      await introspect(client);
      const { rows } = await client.query("select current_setting('transaction_read_only') as ro");
      expect(rows[0]).toEqual({ ro: 'off' });
      expect((await client.query("select to_regclass('app.should_not_exist') as t")).rows[0]).toEqual({ t: null });
    });
  });

  it('works for a role that is not a superuser and sees the same catalog', async () => {
    const asReader = await withClient(withCredentials(url, 'cat_reader', 'reader-secret'), (client) => introspect(client));
    expect(asReader.currentUser).toBe('cat_reader');
    expect(asReader.relations).toEqual(snapshot.relations);
    expect(asReader.functions).toEqual(snapshot.functions);
    expect(asReader.memberships).toEqual(snapshot.memberships);
    expect(asReader.settings).toEqual(snapshot.settings);
  });

  it('limits relations and functions to the schemas asked for', async () => {
    const only = await withClient(url, (client) => introspect(client, { schemas: ['ext'] }));
    expect(only.relations).toEqual([]);
    expect(only.schemas.map((s) => s.name)).toEqual(['ext']);
    expect(only.functions.every((f) => f.schema === 'ext')).toBe(true);
  });

  it('reports a failure as introspect-failed', async () => {
    await withClient(url, async (client) => {
      await client.query('begin');
      await client.query('select 1/0').catch(() => {});
      // The aborted transaction makes every catalog query fail.
      await expect(introspect(client)).rejects.toSatisfy((error) => isHarnessError(error) && error.code === 'introspect-failed');
    });
  });
});
