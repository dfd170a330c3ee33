import { findRelation } from './lookup.ts';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseWithSchema, startTestServer } from '../../test/helpers/database.ts';
import { withClient } from '../db/connect.ts';
import type { StartedDatabase } from '../db/database.ts';
import { introspect } from './introspect.ts';
import type { CatalogSnapshot, Relation } from './snapshot.ts';

const fixture = fileURLToPath(new URL('../../fixtures/catalog/kinds.sql', import.meta.url));

let server: StartedDatabase;
let snapshot: CatalogSnapshot;

beforeAll(async () => {
  server = await startTestServer();
  const url = await databaseWithSchema(server, { files: [fixture] }, 'catalog');
  snapshot = await withClient(url, (client) => introspect(client));
});
afterAll(() => server?.stop());

const relation = (qualified: string): Relation => findRelation(snapshot, qualified);

const ownerGrants = (owner: string) =>
  ['DELETE', 'INSERT', 'MAINTAIN', 'REFERENCES', 'SELECT', 'TRIGGER', 'TRUNCATE', 'UPDATE']
    .filter((privilege) => privilege !== 'MAINTAIN' || snapshot.serverVersionNum >= 170000)
    .map((privilege) => ({ grantee: owner, grantor: owner, privilege, grantable: false }));

describe('introspect: relations', () => {
  it('reads every relation kind of the user schemas and nothing of the system ones', () => {
    const kinds = Object.fromEntries(snapshot.relations.map((r) => [`${r.schema}.${r.name}`, r.kind]));
    expect(kinds).toEqual({
      'app.address': 'composite-type',
      'app.bookings': 'table',
      'app.events': 'partitioned-table',
      'app.events_2024': 'table',
      'app.events_default': 'table',
      'app.notes': 'table',
      'app.pinned_notes': 'table',
      'app.projects': 'table',
      'app.projects_id_seq': 'sequence',
      'app.remote_orders': 'foreign-table',
      'app.task_counts': 'materialized-view',
      'app.task_titles': 'view',
      'app.tasks': 'table',
      'app.tasks_id_seq': 'sequence',
      'app.tasks_invoker': 'view',
      'app.tenants': 'table',
    });
    expect(snapshot.schemas.map((s) => s.name)).toEqual(['app', 'ext', 'public']);
  });

  it('reads partitions, their bounds and the partition key', () => {
    expect(relation('app.events').partitionKey).toBe('RANGE (at)');
    expect(relation('app.events_2024').partitionOf).toEqual({
      schema: 'app',
      name: 'events',
      bound: "FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2025-01-01 00:00:00+00')",
    });
    expect(relation('app.events_default').partitionOf?.bound).toBe('DEFAULT');
    expect(relation('app.events_2024').inheritsFrom).toEqual([]);
  });

  it('reads inheritance children apart from partitions', () => {
    expect(relation('app.pinned_notes').inheritsFrom).toEqual(['app.notes']);
    expect(relation('app.pinned_notes').partitionOf).toBeNull();
    expect(relation('app.pinned_notes').columns.map((c) => c.name)).toEqual(['tenant_id', 'body', 'pinned_at']);
  });

  it('reads views with their options and the relations they read', () => {
    expect(relation('app.tasks_invoker').view?.options).toEqual({ security_invoker: 'true', check_option: 'local' });
    expect(relation('app.tasks_invoker').dependsOn).toEqual(['app.tasks']);
    expect(relation('app.task_titles').view?.options).toEqual({ security_barrier: 'true' });
    expect(relation('app.task_titles').dependsOn).toEqual(['app.projects', 'app.tasks']);
    expect(relation('app.task_titles').view?.definition).toContain('JOIN app.projects p');
    expect(relation('app.task_counts').view?.options).toEqual({});
    expect(relation('app.task_counts').dependsOn).toEqual(['app.tasks']);
    expect(relation('app.tasks').view).toBeNull();
  });

  it('reads foreign tables with server and options, and marks extension objects', () => {
    expect(relation('app.remote_orders').foreign).toEqual({ server: 'remote', options: { schema_name: 'public', table_name: 'orders' } });
    expect(relation('app.remote_orders').owner).toBe(snapshot.currentUser);
    const extFunctions = snapshot.functions.filter((f) => f.schema === 'ext');
    expect(extFunctions.length).toBeGreaterThan(0);
    expect(extFunctions.every((f) => f.extension === 'postgres_fdw')).toBe(true);
    expect(snapshot.relations.every((r) => r.extension === null)).toBe(true);
  });

  it('reads owners, RLS flags and the never-analysed row estimate', () => {
    expect(relation('app.tasks')).toMatchObject({ owner: 'cat_owner', rlsEnabled: true, rlsForced: true, estimatedRows: -1 });
    expect(relation('app.tenants')).toMatchObject({ rlsEnabled: false, rlsForced: false });
  });
});

describe('introspect: columns', () => {
  const column = (table: string, name: string) => relation(table).columns.find((c) => c.name === name);

  it('reads enum, varchar, char and defaults', () => {
    expect(column('app.tenants', 'plan')).toEqual({
      name: 'plan', position: 3, type: 'app.plan', typeName: 'plan', typeCategory: 'E', maxLength: null,
      enumValues: ['free', 'pro', 'enterprise'], domain: null, notNull: true, default: "'free'::app.plan", identity: null, generated: null,
    });
    expect(column('app.tenants', 'name')).toMatchObject({ type: 'character varying(80)', typeName: 'varchar', typeCategory: 'S', maxLength: 80 });
    expect(column('app.projects', 'code')).toMatchObject({ type: 'character(8)', typeName: 'bpchar', maxLength: 8, notNull: false });
    expect(column('app.tenants', 'id')).toMatchObject({ default: 'gen_random_uuid()', typeCategory: 'U' });
  });

  it('reads domains with their base type and checks', () => {
    expect(column('app.tasks', 'contact')).toMatchObject({
      type: 'app.email', typeName: 'email', typeCategory: 'S', maxLength: 120,
      domain: { baseType: 'character varying(120)', checks: ["CHECK (((VALUE)::text ~~ '%@%'::text))"] },
    });
  });

  it('reads identity, generated and array columns', () => {
    expect(column('app.projects', 'id')).toMatchObject({ identity: 'always', default: null, notNull: true });
    expect(column('app.tasks', 'id')).toMatchObject({ identity: 'by-default' });
    expect(column('app.tasks', 'hours_x2')).toMatchObject({ generated: '(hours * (2)::numeric)', default: null });
    expect(column('app.tasks', 'tags')).toMatchObject({ type: 'text[]', typeName: '_text', typeCategory: 'A' });
    expect(column('app.address', 'city')).toMatchObject({ maxLength: 40 });
  });
});

describe('introspect: constraints and indexes', () => {
  it('reads primary, unique, check and foreign keys with actions', () => {
    const constraints = relation('app.tasks').constraints.filter((c) => c.kind !== 'not-null');
    expect(constraints.map((c) => [c.kind, c.name, c.columns])).toEqual([
      ['primary-key', 'tasks_pkey', ['id']],
      ['foreign-key', 'tasks_tenant_id_fkey', ['tenant_id']],
      ['foreign-key', 'tasks_tenant_id_project_id_fkey', ['tenant_id', 'project_id']],
      ['check', 'tasks_hours_check', ['hours']],
    ]);
    expect(constraints[2]).toMatchObject({
      deferrable: true,
      references: { schema: 'app', table: 'projects', columns: ['tenant_id', 'id'], onDelete: 'restrict', onUpdate: 'cascade' },
    });
    expect(constraints[1]?.references).toMatchObject({ onDelete: 'no action', onUpdate: 'no action' });
    expect(constraints[3]?.expression?.text).toBe('(hours >= (0)::numeric)');
    expect(constraints[3]?.expression?.ast).toBeTruthy();
    expect(relation('app.tenants').constraints.find((c) => c.kind === 'unique')?.columns).toEqual(['name']);
  });

  it('reads exclusion constraints', () => {
    expect(relation('app.bookings').constraints.find((c) => c.kind === 'exclusion')).toMatchObject({
      name: 'bookings_during_excl', columns: ['during'], definition: 'EXCLUDE USING gist (during WITH &&)',
    });
  });

  it('reads indexes with expression columns and predicates', () => {
    expect(relation('app.tasks').indexes.find((i) => i.name === 'tasks_open')).toEqual({
      name: 'tasks_open', columns: ['tenant_id', 'lower(contact::text)'], unique: false, primary: false,
      predicate: '(hours > (0)::numeric)',
      definition: 'CREATE INDEX tasks_open ON app.tasks USING btree (tenant_id, lower((contact)::text)) WHERE (hours > (0)::numeric)',
    });
    expect(relation('app.projects').indexes).toEqual([expect.objectContaining({ name: 'projects_pkey', columns: ['tenant_id', 'id'], primary: true, unique: true })]);
  });
});

describe('introspect: triggers and table grants', () => {
  it('reads user triggers, enabled or not', () => {
    expect(relation('app.projects').triggers.map((t) => [t.name, t.function, t.enabled])).toEqual([
      ['projects_audit', 'app.trim_title', false],
      ['projects_trim', 'app.trim_title', true],
    ]);
    // FK enforcement triggers are internal and left out.
    expect(relation('app.tenants').triggers).toEqual([]);
  });

  it('expands owner defaults and reads grants to roles, PUBLIC and grant options', () => {
    expect(relation('app.tenants').grants).toEqual([
      ...ownerGrants('cat_owner'),
      { grantee: 'public', grantor: 'cat_owner', privilege: 'SELECT', grantable: false },
    ]);
    expect(relation('app.tasks_invoker').grants).toContainEqual({ grantee: 'cat_app', grantor: 'cat_owner', privilege: 'SELECT', grantable: true });
    // Default privileges gave cat_readers SELECT on tables created after them.
    expect(relation('app.bookings').grants).toContainEqual({ grantee: 'cat_readers', grantor: 'cat_owner', privilege: 'SELECT', grantable: false });
    expect(relation('app.tenants').grants.some((g) => g.grantee === 'cat_readers')).toBe(false);
  });

  it('reads column grants', () => {
    const grant = (privilege: string) => ({ grantee: 'cat_app', grantor: 'cat_owner', privilege, grantable: false });
    expect(relation('app.projects').columnGrants).toEqual({ id: [grant('SELECT')], title: [grant('SELECT'), grant('UPDATE')] });
    expect(relation('app.projects').grants.some((g) => g.grantee === 'cat_app')).toBe(false);
  });
});
