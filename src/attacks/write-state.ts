import { grantedPrivileges, reachableRoles, type RoleReach } from '../catalog/privileges.ts';
import type { Relation } from '../catalog/snapshot.ts';
import type { SeededTable } from '../core/manifest.ts';
import type { AttemptOutcome } from '../db/app-session.ts';
import { quoteIdent, quoteLiteral, quoteQualified } from '../db/quote.ts';
import { classifyTables, type Classification, type TableNode } from '../seed/classify.ts';
import { ownerQuery } from '../seed/owner-sql.ts';
import type { AttackEnv } from './probe.ts';

/**
 * Ground truth for write probes (DESIGN §4, writes): the state of one tenant's rows of a table,
 * read by the admin inside the attack's own transaction, so an attack's effect on rows the app
 * cannot see is measured before and after and then rolled back. Ownership is read from the
 * data the same way the seeder derives it (`ownerQuery`), so a row a write moved into the
 * victim, or created under the victim's parent, counts as the victim's.
 */

/** Rows of one tenant in a table and a checksum of their full text. */
export interface VictimState {
  rows: number;
  checksum: string;
}

/** A template row: every column of one seeded row as text (null for SQL NULL). */
export type RowValues = Record<string, string | null>;

interface EnvCache {
  classification: Classification;
  roles: Map<string, RoleReach>;
  states: Map<string, Promise<VictimState>>;
  rows: Map<string, Promise<RowValues | null>>;
}

// Keyed by env (the brief allows no other state): the dataset never drifts, every attempt
// rolls back, so a baseline computed once holds for the env's lifetime.
const caches = new WeakMap<AttackEnv, EnvCache>();

function cacheOf(env: AttackEnv): EnvCache {
  let cache = caches.get(env);
  if (!cache) {
    cache = { classification: classifyTables(env.snapshot, env.tenancy), roles: reachableRoles(env.snapshot, env.tenancy.appRole.name), states: new Map(), rows: new Map() };
    caches.set(env, cache);
  }
  return cache;
}

/** The classified node of a seeded table (how its rows reach their owner). */
export function nodeOf(env: AttackEnv, table: SeededTable): TableNode | undefined {
  return cacheOf(env).classification.byKey.get(`${table.table.schema}.${table.table.name}`);
}

/** Columns of `relation` the app role may exercise `privilege` on (table grants, else column grants). */
export function columnsWith(env: AttackEnv, relation: Relation, privilege: string): Set<string> {
  const { roles } = cacheOf(env);
  if (roles.has(relation.owner) || grantedPrivileges(relation.grants, roles).has(privilege)) return new Set(relation.columns.map((c) => c.name));
  return new Set(Object.entries(relation.columnGrants).filter(([, grants]) => grantedPrivileges(grants, roles).has(privilege)).map(([column]) => column));
}

/** Admin SQL: every row `victim` owns in `table`, as `q` (owner and all columns as text). */
function victimRowsFrom(env: AttackEnv, table: SeededTable, victim: number): string {
  const node = nodeOf(env, table);
  if (!node) throw new Error(`${table.table.schema}.${table.table.name} is not a seeded table`);
  const inner = ownerQuery(cacheOf(env).classification, node, node.relation.columns.map((c) => c.name));
  return `(${inner}) q where q.owner = ${quoteLiteral(env.manifest.tenants[victim]!.id)}`;
}

/** Admin SQL: count and checksum of the rows `victim` owns in `table`, ownership read from the data. */
export function victimStateSql(env: AttackEnv, table: SeededTable, victim: number): string {
  return `select count(*)::int as n, coalesce(md5(string_agg(q::text, '|' order by q::text)), '') as h from ${victimRowsFrom(env, table, victim)}`;
}

/** Admin SQL: the text of each row `victim` owns in `table` (only run to explain a change: it is large). */
export function victimRowsSql(env: AttackEnv, table: SeededTable, victim: number): string {
  return `select q::text as r from ${victimRowsFrom(env, table, victim)}`;
}

/** Reads the state from the result of {@link victimStateSql} (the first verify statement). */
export function stateFrom(outcome: AttemptOutcome): VictimState | null {
  const row = outcome.verify[0]?.rows[0];
  return row ? { rows: Number(row['n']), checksum: String(row['h']) } : null;
}

/** The victim's state before any attack, computed once per (env, table, victim). */
export function baselineState(env: AttackEnv, table: SeededTable, victim: number): Promise<VictimState> {
  const cache = cacheOf(env);
  const key = `${table.table.schema}.${table.table.name}#${victim}`;
  let state = cache.states.get(key);
  if (!state) {
    state = env.sessions.run({ context: null, statements: [], verify: [victimStateSql(env, table, victim)] }).then((outcome) => {
      const read = stateFrom(outcome);
      if (!read) throw new Error(`could not read the rows of tenant #${victim} in ${key}: ${outcome.error?.message ?? 'no result'}`);
      return read;
    });
    cache.states.set(key, state);
  }
  return state;
}

/**
 * One seeded row of `tenant`, every column as text, read by the admin (a rolled-back attempt):
 * the template of rows a probe writes, so its foreign keys, checks and types are already right.
 */
export function templateRow(env: AttackEnv, table: SeededTable, tenant: number, pick: number): Promise<RowValues | null> {
  const keys = table.keys.get(tenant);
  if (!keys || keys.length === 0) return Promise.resolve(null);
  const key = keys[pick % keys.length]!;
  const cache = cacheOf(env);
  const id = `${table.table.schema}.${table.table.name}#${key.join('\u0001')}`;
  let row = cache.rows.get(id);
  if (!row) {
    const node = nodeOf(env, table);
    const relation = node?.relation;
    if (!relation) return Promise.resolve(null);
    const columns = relation.columns.map((c) => `t0.${quoteIdent(c.name)}::text as ${quoteIdent(c.name)}`).join(', ');
    const only = relation.kind === 'table' ? 'only ' : '';
    const sql = `select ${columns} from ${only}${quoteQualified(relation)} t0 where ${keyMatch('t0', table.keyColumns, key)} limit 1`;
    row = env.sessions.run({ context: null, statements: [], verify: [sql] }).then((outcome) => (outcome.verify[0]?.rows[0] as RowValues | undefined) ?? null);
    cache.rows.set(id, row);
  }
  return row;
}

/** `a."k1"::text = 'v1' AND ...`: one row by its manifest key (text form). */
export function keyMatch(alias: string | null, columns: readonly string[], key: readonly string[]): string {
  const prefix = alias ? `${alias}.` : '';
  return columns.map((column, i) => (key[i] === undefined ? 'false' : `${prefix}${quoteIdent(column)}::text = ${quoteLiteral(key[i]!)}`)).join(' AND ');
}
