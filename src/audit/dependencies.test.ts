import { beforeAll, describe, expect, it } from 'vitest';
import { loadExpressionParser, type ExpressionParser } from '../catalog/parse-expression.ts';
import type { CatalogSnapshot, Function as CatalogFunction, Policy, Relation, Role } from '../catalog/snapshot.ts';
import type { Tenancy } from '../core/tenancy.ts';
import { identifierChains } from './body-scan.ts';
import { buildAuditContext } from './context.ts';
import { optionIsTrue, relationsNamedIn, searchPathOf, tenantDataOf, viewReads } from './dependencies.ts';
import { exposureAs } from './row-security.ts';

// Hand-built snapshots: these helpers are pure, so no database is needed.
let parse: ExpressionParser;
beforeAll(async () => {
  parse = await loadExpressionParser();
});

let oid = 1000;
function rel(name: string, over: Partial<Relation> = {}): Relation {
  return {
    schema: 'public', name, oid: oid++, kind: 'table', owner: 'admin', rlsEnabled: false, rlsForced: false,
    columns: [], constraints: [], indexes: [], policies: [], triggers: [], grants: [], columnGrants: {},
    partitionOf: null, partitionKey: null, inheritsFrom: [], view: null, dependsOn: [], foreign: null, estimatedRows: -1, extension: null,
    ...over,
  };
}
const col = (name: string) => ({ name, position: 1, type: 'uuid', typeName: 'uuid', typeCategory: 'U', maxLength: null, enumValues: null, domain: null, notNull: true, default: null, identity: null, generated: null });
const view = (name: string, dependsOn: string[], over: Partial<Relation> = {}) => rel(name, { kind: 'view', view: { definition: '', options: {} }, dependsOn, ...over });
const fn = (name: string, source: string, settings: Record<string, string> = {}): CatalogFunction => ({
  schema: 'public', name, oid: oid++, arguments: '', returns: 'void', kind: 'function', language: 'plpgsql', securityDefiner: true,
  volatility: 'volatile', leakproof: false, strict: false, settings, owner: 'admin', source, dependsOn: [], grants: [], extension: null,
});
const role = (name: string, over: Partial<Role> = {}): Role => ({ name, oid: oid++, superuser: false, bypassRls: false, login: false, inherit: true, createRole: false, createDb: false, ...over });
const policy = (name: string, roles: string[], using: string): Policy => ({ name, command: 'all', permissive: true, roles, using: { text: using, ast: parse(using) }, withCheck: null });
const tenancy: Tenancy = {
  tenantColumns: ['tenant_id'], tenantTable: { schema: 'public', name: 'tenants' }, appRole: { name: 'app', login: { method: 'set-role' } },
  context: { kind: 'setting', setting: 'app.tenant_id' }, subject: { kind: 'tenant' }, inferred: [],
};
function contextOf(relations: Relation[], roles: Role[] = [], functions: CatalogFunction[] = [], memberships: CatalogSnapshot['memberships'] = []) {
  const snapshot: CatalogSnapshot = {
    serverVersion: '18.0', serverVersionNum: 180000, database: 'db', currentUser: 'admin', takenAt: '',
    schemas: [{ name: 'public', owner: 'admin', grants: [] }, { name: 'app', owner: 'admin', grants: [] }],
    relations, roles: [role('admin', { superuser: true }), role('app'), ...roles], memberships, defaultPrivileges: [], functions, settings: {},
  };
  return buildAuditContext(snapshot, tenancy);
}

describe('view and materialized-view dependencies', () => {
  it('reads booleans as Postgres does', () => {
    expect(['true', 'on', '1', 'yes', 't', 'TRUE'].map(optionIsTrue)).toEqual([true, true, true, true, true, true]);
    expect(['false', 'off', '0', 'no', '', undefined].map(optionIsTrue)).toEqual([false, false, false, false, false, false]);
  });

  it('follows views transitively, checking each read as the nearest owner-rights view owner, or the caller', () => {
    const notes = rel('notes', { columns: [col('tenant_id')] });
    const inner = view('inner_inv', ['public.notes'], { owner: 'o2', view: { definition: '', options: { security_invoker: 'on' } } });
    const owned = view('owned', ['public.notes'], { owner: 'o3' });
    const outer = view('outer', ['public.inner_inv', 'public.owned'], { owner: 'o1' });
    const top = view('top', ['public.outer'], { view: { definition: '', options: { security_invoker: 'true' } } });
    const context = contextOf([notes, inner, owned, outer, top]);
    const reads = viewReads(context, top).map((r) => [r.relation.name, r.checkedAs, r.via.map((v) => v.name).join('>')]);
    expect(reads).toEqual([
      ['outer', null, 'top'],
      ['inner_inv', 'o1', 'top>outer'],
      ['notes', 'o1', 'top>outer>inner_inv'],
      ['owned', 'o1', 'top>outer'],
      ['notes', 'o3', 'top>outer>owned'],
    ]);
  });

  it('stops at materialized views and survives cycles', () => {
    const a = view('a', ['public.b']);
    const b = view('b', ['public.a', 'public.mv']);
    const mv = rel('mv', { kind: 'materialized-view', dependsOn: ['public.a'] });
    expect(viewReads(contextOf([a, b, mv]), a).map((r) => r.relation.name)).toEqual(['b', 'a', 'mv']);
  });

  it('knows tenant data: tables, materialized views computed from it, foreign tables that carry or mirror it; never views or reference data', () => {
    const notes = rel('notes', { columns: [col('tenant_id')] });
    const countries = rel('countries');
    const v = view('v', ['public.notes']);
    const mv = rel('mv', { kind: 'materialized-view', dependsOn: ['public.v'] });
    const refMv = rel('ref_mv', { kind: 'materialized-view', dependsOn: ['public.countries'] });
    const ftColumn = rel('ft_column', { kind: 'foreign-table', columns: [col('tenant_id')], foreign: { server: 's', options: {} } });
    const ftMirror = rel('ft_mirror', { kind: 'foreign-table', foreign: { server: 's', options: { table_name: 'notes' } } });
    const ftOther = rel('ft_other', { kind: 'foreign-table', foreign: { server: 's', options: { table_name: 'rates' } } });
    const context = contextOf([notes, countries, v, mv, refMv, ftColumn, ftMirror, ftOther]);
    const reason = (r: Relation) => tenantDataOf(context, r)?.reason ?? null;
    expect([notes, countries, v, mv, refMv, ftColumn, ftMirror, ftOther].map(reason)).toEqual([
      'has the tenant column tenant_id',
      null,
      null,
      'stores rows computed from public.notes',
      null,
      'has the tenant column tenant_id',
      'is mapped onto a table named like the tenant table public.notes (server s)',
      null,
    ]);
  });
});

describe('function bodies', () => {
  it('keeps identifier chains, scans strings and dollar quotes as SQL, drops comments', () => {
    const source = `
      -- reads public.secrets? no, a comment
      /* nested /* block */ public.hidden */
      SELECT n.body FROM public . notes n JOIN "Mixed"."Case" x ON true;
      EXECUTE 'DELETE FROM audit.log WHERE note = ''x''';
      EXECUTE E'SELECT 1 FROM esc\\'aped';
      PERFORM $q$ SELECT * FROM dollar.quoted $q$;`;
    const chains = identifierChains(source).map((c) => c.join('.'));
    expect(chains).toEqual(expect.arrayContaining(['n.body', 'public.notes', 'Mixed.Case', 'audit.log', 'dollar.quoted', 'esc']));
    expect(chains.join(' ')).not.toMatch(/secrets|hidden/);
  });

  it('parses a pinned search_path, quoted parts and the empty path', () => {
    expect(searchPathOf(fn('f', ''))).toBeNull();
    expect(searchPathOf(fn('f', '', { search_path: '"$user", public' }))).toEqual(['$user', 'public']);
    expect(searchPathOf(fn('f', '', { search_path: 'pg_catalog, pg_temp' }))).toEqual(['pg_catalog', 'pg_temp']);
    expect(searchPathOf(fn('f', '', { search_path: '""' }))).toEqual([]);
    expect(searchPathOf(fn('f', '', { search_path: '"a,b", C' }))).toEqual(['a,b', 'c']);
  });

  it('resolves named relations: qualified anywhere, unqualified on the pinned path (or anywhere when unpinned)', () => {
    const notes = rel('notes');
    const appNotes = rel('notes', { schema: 'app' });
    const tags = rel('tags', { schema: 'app' });
    const context = contextOf([notes, appNotes, tags]);
    const names = (f: CatalogFunction, unqualifiedOnly = false) => relationsNamedIn(context, f, unqualifiedOnly).map((r) => `${r.schema}.${r.name}`).sort();
    expect(names(fn('a', 'select * from notes n join app.tags t on true -- public.other'))).toEqual(['app.notes', 'app.tags', 'public.notes']);
    expect(names(fn('b', 'select * from notes', { search_path: 'app, pg_temp' }))).toEqual(['app.notes']);
    expect(names(fn('c', "execute 'select * from public.notes'", { search_path: '' }))).toEqual(['public.notes']);
    expect(names(fn('d', 'select * from public.notes, tags', { search_path: 'app' }), true)).toEqual(['app.tags']);
  });
});

describe('row-level security for the owner of a view or definer function', () => {
  const pinned = "(tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid)";
  const table = (over: Partial<Relation>) => rel('notes', { columns: [col('tenant_id')], rlsEnabled: true, owner: 'owner', grants: [{ grantee: 'reader', grantor: 'owner', privilege: 'SELECT', grantable: false }], ...over });
  const roles = [role('owner'), role('reader'), role('bypasser', { bypassRls: true }), role('member')];
  const memberOfOwner = [{ role: 'owner', member: 'member', grantor: 'admin', admin: false, inherit: true, set: true }];
  const why = (r: string, t: Relation) => {
    const e = exposureAs(contextOf([t], roles, [], memberOfOwner), r, t);
    return e.exposed ? e.why : `not:${e.why}`;
  };

  it('bypasses: superuser (even forced), BYPASSRLS, the owner or a member inheriting it without FORCE, no RLS at all', () => {
    expect(why('admin', table({ rlsForced: true }))).toBe('superuser');
    expect(why('bypasser', table({ grants: [{ grantee: 'bypasser', grantor: 'owner', privilege: 'SELECT', grantable: false }] }))).toBe('bypass-rls');
    expect(why('owner', table({}))).toBe('owner');
    expect(why('member', table({}))).toBe('owner');
    expect(why('reader', table({ rlsEnabled: false }))).toBe('rls-disabled');
    expect(why('admin', rel('mv', { kind: 'materialized-view' }))).toBe('no-row-security');
  });

  it("binds: forced RLS on the owner and any non-owner get their own policies, judged like the app's", () => {
    expect(why('owner', table({ rlsForced: true, policies: [policy('p', ['owner'], pinned)] }))).toBe('not:filtered');
    expect(why('owner', table({ rlsForced: true }))).toBe('not:filtered');
    expect(why('reader', table({ policies: [policy('p', ['public'], pinned)] }))).toBe('not:filtered');
    expect(why('reader', table({ policies: [policy('p', ['reader'], 'true')] }))).toBe('policy-opens');
    expect(why('bypasser', table({}))).toBe('not:no-privilege');
  });
});
