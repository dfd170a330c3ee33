import { HarnessError } from '../core/errors.ts';
import { formatQualifiedName, parseQualifiedName, type QualifiedName } from '../core/names.ts';
import type { AppLogin, Tenancy, TenancySubject, TenantContext } from '../core/tenancy.ts';
import type { Scenario } from '../scenario/types.ts';
import { findFunctionCalls, referencedColumns } from './ast.ts';
import { appRoleCandidates } from './infer-app-role.ts';
import { settingsReadByPolicies } from './infer-context.ts';
import type { CatalogSnapshot, Relation } from './snapshot.ts';

/** Column names that conventionally mark tenant-owned tables, in order of preference. */
export const conventionalTenantColumns: readonly string[] = Object.freeze([
  'tenant_id',
  'org_id',
  'organization_id',
  'account_id',
  'workspace_id',
  'team_id',
  'company_id',
]);

/** The tenancy model, and one note per piece that was inferred rather than given. */
export interface InferredTenancy {
  tenancy: Tenancy;
  notes: string[];
}

type GivenTenancy = Scenario['tenancy'];

const invalid = (message: string, field: string, what: string): HarnessError =>
  new HarnessError('scenario-invalid', message, {
    hint: `Set tenancy.${field} in the scenario to ${what} (for \`tenantguard audit --database-url\`, the matching --app-role / --tenant-column / --tenant-table / --context-setting flag).`,
  });

/** Tables (not partitions, not extension-owned) that the data lives in. */
function userTables(snapshot: CatalogSnapshot): Relation[] {
  return snapshot.relations.filter(
    (r) => (r.kind === 'table' || r.kind === 'partitioned-table') && r.partitionOf === null && r.extension === null,
  );
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/**
 * The conventional name on most tables first; then others only for tables it does not cover,
 * and only when they do not reference a table that is itself tenant-owned: `team_id` next to
 * `tenant_id` is a scope inside a tenant (team_members reaches its tenant through teams),
 * while `org_id` on tables that have no `tenant_id` is a second spelling of the tenant.
 */
function tenantColumns(tables: Relation[], given: string[] | null, notes: string[]): string[] {
  const has = (table: Relation, names: readonly string[]) => table.columns.some((c) => names.includes(c.name));
  if (given) {
    if (!tables.some((t) => has(t, given))) {
      throw invalid(`no table has a tenant column named ${given.join(' or ')}`, 'tenantColumns', 'the column(s) that hold the tenant id');
    }
    return given;
  }
  const ranked = conventionalTenantColumns
    .map((name) => ({ name, tables: tables.filter((t) => has(t, [name])) }))
    .filter((candidate) => candidate.tables.length > 0)
    .sort((a, b) => b.tables.length - a.tables.length);
  const [first, ...others] = ranked;
  if (!first) {
    const fromPolicies = columnComparedToContext(tables);
    if (fromPolicies) {
      notes.push(`tenant column: ${fromPolicies.name} (compared to current_setting(...) by ${plural(fromPolicies.count, 'policy')})`);
      return [fromPolicies.name];
    }
    throw invalid(
      `cannot infer the tenant column: no table has a column named ${conventionalTenantColumns.join(', ')}`,
      'tenantColumns',
      'the column(s) that hold the tenant id',
    );
  }
  const chosen = [first.name];
  notes.push(`tenant column: ${first.name} (found on ${plural(first.tables.length, 'table')})`);
  for (const other of others) {
    const uncovered = other.tables.filter((t) => !has(t, chosen));
    const scoped = other.tables.some((t) =>
      t.constraints.some((fk) => fk.references && fk.columns.includes(other.name) && referencesTenantTable(tables, fk.references, chosen)),
    );
    if (uncovered.length === 0 || scoped) continue;
    chosen.push(other.name);
    notes.push(`tenant column: ${other.name} (found on ${plural(uncovered.length, 'table')} without ${chosen.slice(0, -1).join(' or ')})`);
  }
  return chosen;
}

/**
 * For schemas that name the tenant column otherwise (`shop_id`): the column that policies
 * most often use next to a `current_setting(...)` call, outside sub-selects.
 */
function columnComparedToContext(tables: Relation[]): { name: string; count: number } | null {
  const counts = new Map<string, number>();
  for (const table of tables) {
    const columnNames = new Set(table.columns.map((c) => c.name));
    for (const policy of table.policies) {
      for (const expression of [policy.using, policy.withCheck]) {
        if (!expression?.ast || findFunctionCalls(expression.ast, 'current_setting').length === 0) continue;
        const names = new Set(referencedColumns(expression.ast).filter((c) => !c.inSubquery && columnNames.has(c.name)).map((c) => c.name));
        for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
      }
    }
  }
  const best = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
  return best ? { name: best[0], count: best[1] } : null;
}

function referencesTenantTable(tables: Relation[], target: { schema: string; table: string }, columns: string[]): boolean {
  const table = tables.find((t) => t.schema === target.schema && t.name === target.table);
  return table !== undefined && table.columns.some((c) => columns.includes(c.name));
}

function tenantTable(snapshot: CatalogSnapshot, tables: Relation[], columns: string[], given: string | null, notes: string[]): QualifiedName | undefined {
  if (given) {
    const name = parseQualifiedName(given);
    if (!snapshot.relations.some((r) => r.schema === name.schema && r.name === name.name)) {
      throw invalid(`the tenant table ${formatQualifiedName(name)} does not exist`, 'tenantTable', 'the table whose key is the tenant id');
    }
    return name;
  }
  // Single-column foreign keys from a tenant column point at the registry; composite ones
  // (tenant_id, project_id) point at tenant-scoped parents instead.
  const counts = new Map<string, number>();
  for (const table of tables) {
    for (const fk of table.constraints) {
      if (!fk.references || fk.columns.length !== 1 || !columns.includes(fk.columns[0]!)) continue;
      const key = formatQualifiedName({ schema: fk.references.schema, name: fk.references.table });
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (ranked.length === 0) {
    notes.push('tenant table: none (no foreign key references a table from a tenant column)');
    return undefined;
  }
  const [best, next] = ranked;
  if (next && next[1] === best![1]) {
    throw invalid(`cannot tell the tenant table: ${best![0]} and ${next[0]} are referenced equally often`, 'tenantTable', 'the table whose key is the tenant id');
  }
  notes.push(`tenant table: ${best![0]} (referenced by ${plural(best![1], 'foreign key')})`);
  return parseQualifiedName(best![0]);
}

function context(snapshot: CatalogSnapshot, given: GivenTenancy['context'], notes: string[]): TenantContext {
  if (given) return 'setting' in given ? { kind: 'setting', setting: given.setting } : { kind: 'statement', sql: given.statement };
  const uses = settingsReadByPolicies(snapshot);
  const what = "how the application sets the tenant: { setting: 'app.tenant_id' } or { statement: '...' }";
  if (uses.length === 0) throw invalid('cannot infer the tenant context: no policy reads a custom setting with current_setting()', 'context', what);
  const [best, next] = uses;
  if (next && next.policies === best!.policies) {
    throw invalid(`cannot tell the tenant context: settings ${best!.setting} and ${next.setting} are read by ${best!.policies} policies each`, 'context', what);
  }
  const via = best!.viaFunction ? ', through functions they call' : '';
  notes.push(`context setting: ${best!.setting} (read by ${best!.policies} ${best!.policies === 1 ? 'policy' : 'policies'}${via})`);
  return { kind: 'setting', setting: best!.setting };
}

function appRole(snapshot: CatalogSnapshot, tenantTables: Relation[], given: GivenTenancy['appRole'], notes: string[]): Tenancy['appRole'] {
  const what = 'the role the application connects as (with its password if it logs in directly)';
  if (given) {
    if (!snapshot.roles.some((role) => role.name === given.name)) throw invalid(`the application role ${given.name} does not exist`, 'appRole', what);
    if (given.login === 'set-role') return { name: given.name, login: { method: 'set-role' } };
    if (given.password === null) throw invalid(`the application role ${given.name} logs in with a password but none was given`, 'appRole.password', 'its password');
    return { name: given.name, login: { method: 'password', password: given.password } };
  }
  const candidates = appRoleCandidates(snapshot, tenantTables);
  if (candidates.length !== 1) {
    const found = candidates.length === 0 ? 'no role other than the owners has grants on the tenant tables' : `candidates: ${candidates.map((c) => c.name).join(', ')}`;
    throw invalid(`cannot infer the application role (${found})`, 'appRole', what);
  }
  const role = candidates[0]!;
  const login: AppLogin = { method: 'set-role' };
  notes.push(`application role: ${role.name} (the only non-owner with grants on tenant tables; ${plural(role.tables, 'table')}, used through SET ROLE)`);
  return { name: role.name, login };
}

function subject(given: GivenTenancy['subject']): TenancySubject {
  if (given === 'tenant') return { kind: 'tenant' };
  return { kind: 'user', membershipTable: parseQualifiedName(given.membershipTable), userColumn: given.userColumn, tenantColumn: given.tenantColumn };
}

/**
 * Completes the scenario's tenancy from the catalog: tenant columns by conventional name, the
 * tenant registry by foreign keys, the context setting from the policies' `current_setting`
 * calls, the application role from grants, and how it logs in. What the scenario gives is
 * checked against the catalog and kept. Pure. Throws a `scenario-invalid` HarnessError
 * naming the scenario field to set when a piece is missing or ambiguous.
 */
export function inferTenancy(snapshot: CatalogSnapshot, given: GivenTenancy): InferredTenancy {
  const notes: string[] = [];
  const tables = userTables(snapshot);
  const columns = tenantColumns(tables, given.tenantColumns, notes);
  const tenantTables = tables.filter((t) => t.columns.some((c) => columns.includes(c.name)));
  const registry = tenantTable(snapshot, tenantTables, columns, given.tenantTable, notes);
  const tenancy: Tenancy = {
    tenantColumns: columns,
    appRole: appRole(snapshot, tenantTables, given.appRole, notes),
    context: context(snapshot, given.context, notes),
    subject: subject(given.subject),
    inferred: notes,
  };
  if (registry) tenancy.tenantTable = registry;
  return { tenancy, notes };
}
