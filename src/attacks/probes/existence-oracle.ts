import * as fc from 'fast-check';
import type { Column, Constraint, Index, Relation } from '../../catalog/snapshot.ts';
import type { Severity } from '../../core/check.ts';
import { formatQualifiedName } from '../../core/names.ts';
import type { Attempt, AttemptOutcome } from '../../db/app-session.ts';
import { attackerAndVictim } from '../arbitraries.ts';
import type { AttackEnv, ProbeRun } from '../probe.ts';
import { defineProbe } from '../probe.ts';
import { foreignKeyColumns, freshUniques, freshValue, indexColumns, insertSql, literalOf, rowValues } from '../write-sql.ts';
import { templateRow, type RowValues } from '../write-state.ts';

const randomDefault = /\b(gen_random_uuid|uuid_generate_v4|uuidv4|uuidv7)\s*\(/i;

/** A unique index or a foreign key that leaves the tenant out: the two oracles of a write. */
type Oracle = { kind: 'unique'; index: Index; columns: string[] } | { kind: 'foreign-key'; fk: Constraint };

/**
 * A value the database draws: a random UUID default or a shared counter (identity, sequence).
 * A duplicate on it (or on any UUID) only confirms an id the caller already holds or a number
 * the counter already handed out — the audit grades these info or low, and the secure
 * reference keeps an identity key on a child without tenant column — so unique keys made only
 * of them are no oracle here. Foreign keys are: the accepted reference is itself a row of the
 * attacker hanging under the victim's.
 */
function drawn(c: Column): boolean {
  return c.identity !== null || (c.default !== null && (randomDefault.test(c.default) || /\bnextval\s*\(/i.test(c.default)));
}

/** Keys whose duplicate error says something, and references to another tenant's rows. */
function oraclesOf(env: AttackEnv, relation: Relation, tenantColumn: string | null, seeded: boolean): Oracle[] {
  const oracles: Oracle[] = [];
  for (const index of relation.indexes.filter((i) => i.unique)) {
    const columns = indexColumns(relation, index.columns);
    if (columns.length === 0 || (tenantColumn && columns.includes(tenantColumn))) continue;
    const cols = columns.map((n) => relation.columns.find((c) => c.name === n)!);
    if (!seeded || cols.every((c) => drawn(c) || c.typeName === 'uuid') || cols.some((c) => c.generated !== null)) continue;
    oracles.push({ kind: 'unique', index, columns });
  }
  for (const fk of relation.constraints.filter((k) => k.kind === 'foreign-key' && k.references)) {
    if (tenantColumn && fk.columns.includes(tenantColumn)) continue;
    const parent = env.manifest.tables.find((t) => formatQualifiedName(t.table) === `${fk.references!.schema}.${fk.references!.table}`);
    if (parent && (parent.ownership.kind === 'column' || parent.ownership.kind === 'path')) oracles.push({ kind: 'foreign-key', fk });
  }
  return oracles;
}

/** How much a confirmed value tells, graded as the audit grades keys (UUIDs, which the caller must know: low). */
function severityOf(relation: Relation, columns: string[]): Severity {
  const cols = columns.map((n) => relation.columns.find((c) => c.name === n)!);
  return cols.every((c) => c.typeName === 'uuid' || drawn(c)) ? 'low' : 'medium';
}

/**
 * Existence oracles through constraints that ignore row-level security: an INSERT of the
 * attacker's own row (its tenant, its template) whose unique columns take the victim's value,
 * or whose reference points at the victim's parent row, beside the same INSERT with a fresh
 * value. A duplicate-key error only for the victim's value, or a foreign-key error only for
 * the fresh one, tells the attacker that the other tenant holds the value.
 */
export default defineProbe({
  meta: {
    id: 'existence-oracle',
    title: 'Learn that another tenant holds a value from a constraint error',
    description: "Inserts rows whose unique columns take another tenant's value, or whose foreign key points at another tenant's row, next to the same insert with a fresh value, and compares the errors.",
    severity: 'medium',
    remediation: 'Lead unique keys and foreign keys with the tenant column — UNIQUE (tenant_id, email), FOREIGN KEY (tenant_id, project_id) — so constraints only ever compare rows of one tenant.',
  },
  confirms: ['unique-without-tenant', 'foreign-key-without-tenant'],
  arbitrary(env) {
    // Unseeded tables count too (a foreign key oracle needs only the victim's parent row).
    const tables = env.surface.relations.filter(
      (r) =>
        r.privileges.has('INSERT') &&
        (r.relation.kind === 'table' || r.relation.kind === 'partitioned-table') &&
        (r.seeded ? r.seeded.ownership.kind !== 'shared' && r.seeded.ownership.kind !== 'registry' : r.tenantColumn !== null) &&
        oraclesOf(env, r.relation, r.tenantColumn, r.seeded !== null).length > 0,
    );
    if (tables.length === 0) return null;
    return fc
      .record({ pair: attackerAndVictim(env), table: fc.constantFrom(...tables), which: fc.nat(), pick: fc.nat(), own: fc.nat(), fresh: fc.nat({ max: 1_000_000 }) })
      .map(({ pair, ...rest }) => ({ ...pair, ...rest }));
  },
  async execute(c, env): Promise<ProbeRun> {
    const { seeded, relation, tenantColumn } = c.table;
    const oracles = oraclesOf(env, relation, tenantColumn, seeded !== null);
    const oracle = oracles[c.which % oracles.length]!;
    const attackerId = env.manifest.tenants[c.attacker]!.id;
    const own = seeded ? await templateRow(env, seeded, c.attacker, c.own) : syntheticRow(relation, tenantColumn, attackerId, c.fresh + 100);
    const columns = oracle.kind === 'unique' ? oracle.columns : oracle.fk.columns;
    const parentName = oracle.kind === 'foreign-key' ? `${oracle.fk.references!.schema}.${oracle.fk.references!.table}` : null;
    const source = parentName ? env.manifest.tables.find((t) => formatQualifiedName(t.table) === parentName)! : seeded!;
    const victimRow = await templateRow(env, source, c.victim, c.pick);
    if (!own || !victimRow) return { attempts: [], outcomes: [], leak: null };
    const sourceColumns = oracle.kind === 'unique' ? columns : oracle.fk.references!.columns;
    const byName = (n: string) => relation.columns.find((col) => col.name === n)!;
    // Both attempts: the attacker's own row, every other unique column fresh; they differ only in `columns`.
    const base = freshUniques(relation, new Set([...columns, ...(tenantColumn ? [tenantColumn] : [])]), c.fresh + 7);
    const victimValues = new Map(base);
    const freshValues = new Map(base);
    columns.forEach((name, i) => {
      victimValues.set(name, literalOf(byName(name), victimRow[sourceColumns[i]!] ?? null));
      freshValues.set(name, literalOf(byName(name), freshValue(byName(name), c.fresh + i) ?? victimRow[sourceColumns[i]!] ?? null));
    });
    const overriding = columns.some((n) => byName(n).identity === 'always') ? ' OVERRIDING SYSTEM VALUE' : '';
    const withIdentity = (values: Map<string, string>) => {
      const row = rowValues(relation, own, values);
      const extra = columns.filter((n) => byName(n).identity !== null);
      return extra.length === 0 ? row : { columns: [row.columns, ...extra.map((n) => `"${n.replace(/"/g, '""')}"`)].join(', '), values: [row.values, ...extra.map((n) => values.get(n)!)].join(', ') };
    };
    const statementOf = (values: Map<string, string>) => insertSql(relation, withIdentity(values), 'values').replace(') VALUES', `)${overriding} VALUES`);
    const context = env.contextFor(c.attacker);
    const probeAttempt: Attempt = { context, statements: [statementOf(victimValues)] };
    const control: Attempt = { context, statements: [statementOf(freshValues)] };
    const hit = await env.sessions.run(probeAttempt);
    const miss = await env.sessions.run(control);
    const revealed = oracle.kind === 'unique' ? code(hit) === '23505' && hit.error!.message.includes(oracle.index.name) && !miss.error : code(miss) === '23503' && code(hit) !== '23503';
    const canaries = [...new Set(columns.flatMap((_, i) => env.codec.scan(victimRow[sourceColumns[i]!] ?? '')).filter((h) => h.tenantIndex === c.victim).map((h) => h.canary))];
    const values = columns.map((_, i) => victimRow[sourceColumns[i]!]).join(', ');
    return {
      attempts: [probeAttempt, control],
      outcomes: [hit, miss],
      leak: revealed
        ? {
            what:
              oracle.kind === 'unique'
                ? `tenant #${c.attacker} learns that tenant #${c.victim} holds (${columns.join(', ')}) = (${values}) in ${c.table.name}: a duplicate-key error on ${oracle.index.name} for its value, none for a fresh one`
                : `tenant #${c.attacker} learns that tenant #${c.victim}'s row (${oracle.fk.references!.columns.join(', ')}) = (${values}) exists in ${parentName}: its reference through ${oracle.fk.name} is accepted, a fresh one fails the foreign key`,
            target: c.table.name,
            canaries: canaries.slice(0, 5),
            excerpt: [(oracle.kind === 'unique' ? hit : miss).error?.message, (oracle.kind === 'unique' ? hit : miss).error?.detail].filter(Boolean).join(' — ').slice(0, 240),
            victim: c.victim,
            severity: severityOf(relation, columns),
          }
        : null,
    };
  },
});

/** A row of the attacker for a table the seed left empty: its tenant, fresh values, NULL references. */
function syntheticRow(relation: Relation, tenantColumn: string | null, attackerId: string, n: number): RowValues {
  const references = foreignKeyColumns(relation);
  return Object.fromEntries(
    relation.columns.map((column, i) => [
      column.name,
      column.name === tenantColumn ? attackerId : references.has(column.name) && !column.notNull ? null : freshValue(column, n + i),
    ]),
  );
}

function code(outcome: AttemptOutcome): string | undefined {
  return outcome.error?.code;
}
