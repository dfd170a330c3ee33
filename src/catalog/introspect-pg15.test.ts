import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseWithSchema } from '../../test/helpers/database.ts';
import { embeddedBackend } from '../db/backends/embedded.ts';
import { withClient, withCredentials } from '../db/connect.ts';
import type { StartedDatabase } from '../db/database.ts';
import { introspect } from './introspect.ts';
import type { CatalogSnapshot, Relation } from './snapshot.ts';

/**
 * The same fixture on Debian's PostgreSQL 15: memberships before 16 carry no inherit/set
 * options (derived from rolinherit, set always true), there is no MAINTAIN privilege and no
 * not-null constraint rows, and view definitions are printed with qualified columns.
 * Skipped where the Debian binaries are not installed.
 */
const binDir = '/usr/lib/postgresql/15/bin';
const fixture = fileURLToPath(new URL('../../fixtures/catalog/kinds.sql', import.meta.url));

describe.skipIf(!existsSync(`${binDir}/postgres`))('introspect on PostgreSQL 15', () => {
  let server: StartedDatabase;
  let url: string;
  let snapshot: CatalogSnapshot;

  beforeAll(async () => {
    server = await embeddedBackend({ binDir }).start();
    url = await databaseWithSchema(server, { files: [fixture] }, 'catalog');
    snapshot = await withClient(url, (client) => introspect(client));
  });
  afterAll(() => server?.stop());

  const relation = (qualified: string): Relation => snapshot.relations.find((r) => `${r.schema}.${r.name}` === qualified)!;

  it('reads a 15 server', () => {
    expect(snapshot.serverVersionNum).toBeGreaterThanOrEqual(150000);
    expect(snapshot.serverVersionNum).toBeLessThan(160000);
    expect(snapshot.serverVersion).toMatch(/^15\.\d+$/);
  });

  it('derives membership inherit from the member and set as always true', () => {
    expect(snapshot.memberships.filter((m) => m.role === 'cat_readers')).toEqual([
      { role: 'cat_readers', member: 'cat_app', grantor: snapshot.currentUser, admin: false, inherit: true, set: true },
      { role: 'cat_readers', member: 'cat_auditor', grantor: snapshot.currentUser, admin: true, inherit: false, set: true },
    ]);
  });

  it('reads the same relations, policies and grants as on 18, without MAINTAIN', () => {
    expect(snapshot.relations).toHaveLength(16);
    expect(relation('app.tasks')).toMatchObject({ rlsEnabled: true, rlsForced: true, estimatedRows: -1 });
    expect(relation('app.tasks').policies.map((p) => [p.name, p.command, p.permissive, p.roles])).toEqual([
      ['tasks_delete', 'delete', true, ['public']],
      ['tasks_guard', 'all', false, ['public']],
      ['tasks_insert', 'insert', true, ['cat_readers']],
      ['tasks_select', 'select', true, ['public']],
      ['tasks_update', 'update', true, ['cat_app', 'cat_readers']],
    ]);
    expect(relation('app.tasks').policies.every((p) => (p.using ?? p.withCheck)?.ast)).toBe(true);
    expect(relation('app.tenants').grants.map((g) => `${g.grantee}:${g.privilege}`)).toEqual([
      'cat_owner:DELETE', 'cat_owner:INSERT', 'cat_owner:REFERENCES', 'cat_owner:SELECT',
      'cat_owner:TRIGGER', 'cat_owner:TRUNCATE', 'cat_owner:UPDATE', 'public:SELECT',
    ]);
    expect(relation('app.tasks').constraints.map((c) => c.kind)).toEqual(['primary-key', 'foreign-key', 'foreign-key', 'check']);
  });

  it('reads views, partitions, foreign tables and columns as on 18', () => {
    expect(relation('app.tasks_invoker').view?.options).toEqual({ security_invoker: 'true', check_option: 'local' });
    expect(relation('app.task_titles').dependsOn).toEqual(['app.projects', 'app.tasks']);
    expect(relation('app.events_default').partitionOf).toEqual({ schema: 'app', name: 'events', bound: 'DEFAULT' });
    expect(relation('app.pinned_notes').inheritsFrom).toEqual(['app.notes']);
    expect(relation('app.remote_orders').foreign?.server).toBe('remote');
    expect(relation('app.tasks').columns.find((c) => c.name === 'contact')?.domain?.baseType).toBe('character varying(120)');
    expect(relation('app.tasks').columns.find((c) => c.name === 'hours_x2')?.generated).toBe('(hours * (2)::numeric)');
  });

  it('works for a role that is not a superuser', async () => {
    await withClient(url, (client) => client.query("create role cat_reader login password 'reader-secret'"));
    const asReader = await withClient(withCredentials(url, 'cat_reader', 'reader-secret'), (client) => introspect(client));
    expect(asReader.relations).toEqual(snapshot.relations);
    expect(asReader.functions).toEqual(snapshot.functions);
  });
});
