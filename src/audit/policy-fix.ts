import type { Relation } from '../catalog/snapshot.ts';
import { quoteIdent } from '../db/quote.ts';
import type { AuditContext } from './context.ts';
import { nameOf, sqlName } from './describe.ts';

/**
 * Fix SQL for the policy-shape rules: the condition that pins a table's rows to the current
 * tenant, spelled the way the secure reference spells it (plain equality with
 * `nullif(current_setting(<setting>, true), '')`, cast to the column's type), so that a
 * missing or reset context is NULL and matches nothing.
 */

/** The setting that carries the tenant (or user) context, for fix SQL. */
export function contextSetting(context: AuditContext): string {
  const tenancy = context.tenancy.context;
  return tenancy.kind === 'setting' ? tenancy.setting : ([...context.context.settings][0] ?? 'app.tenant_id');
}

const textTypes = /^(text|character varying|varchar)\b/;

/** `nullif(current_setting('app.tenant_id', true), '')::uuid`, cast to `type` unless it is text. */
export function contextExpression(setting: string, type: string): string {
  const read = `nullif(current_setting('${setting.replace(/'/g, "''")}', true), '')`;
  return textTypes.test(type) ? read : `${read}::${type}`;
}

/** The type of a column, `text` when unknown. */
function typeOf(relation: Relation | undefined, column: string): string {
  return relation?.columns.find((c) => c.name === column)?.type ?? 'text';
}

/** `tenant_id = <context>`, or through the membership table when the context carries a user. */
function columnCondition(context: AuditContext, relation: Relation, column: string, qualifier?: string): string {
  const setting = contextSetting(context);
  const ref = qualifier ? `${qualifier}.${quoteIdent(column)}` : quoteIdent(column);
  const subject = context.tenancy.subject;
  if (subject.kind === 'user') {
    const members = context.relation(`${subject.membershipTable.schema}.${subject.membershipTable.name}`);
    const user = contextExpression(setting, typeOf(members, subject.userColumn));
    return `${ref} IN (SELECT m.${quoteIdent(subject.tenantColumn)} FROM ${sqlName(subject.membershipTable)} m WHERE m.${quoteIdent(subject.userColumn)} = ${user})`;
  }
  return `${ref} = ${contextExpression(setting, typeOf(relation, column))}`;
}

/**
 * A condition that pins rows of `relation` to the current tenant: on its tenant column, on
 * the key of the tenant registry, or through the parent a foreign key points at (line items
 * through their invoice). Null when none can be derived.
 */
export function tenantCondition(context: AuditContext, relation: Relation): string | null {
  const entry = context.tenantTable(relation);
  if (entry?.tenantColumn) return columnCondition(context, relation, entry.tenantColumn);
  if (entry?.reason === 'registry') {
    const key = relation.constraints.find((c) => c.kind === 'primary-key' && c.columns.length === 1)?.columns[0];
    return key ? `${quoteIdent(key)} = ${contextExpression(contextSetting(context), typeOf(relation, key))}` : null;
  }
  for (const fk of relation.constraints) {
    if (fk.kind !== 'foreign-key' || !fk.references) continue;
    const parent = context.relation(`${fk.references.schema}.${fk.references.table}`);
    const parentColumn = parent ? context.tenantTable(parent)?.tenantColumn : null;
    if (!parent || !parentColumn) continue;
    const joins = fk.columns.map((c, i) => `p.${quoteIdent(fk.references!.columns[i]!)} = ${quoteIdent(relation.name)}.${quoteIdent(c)}`);
    return `EXISTS (SELECT 1 FROM ${sqlName(parent)} p WHERE ${[...joins, columnCondition(context, parent, parentColumn, 'p')].join(' AND ')})`;
  }
  return null;
}

/** `ALTER POLICY ... USING (...)` / `WITH CHECK (...)` that pins the tenant, or a comment saying what to write. */
export function alterPolicySql(context: AuditContext, relation: Relation, policy: string, clauses: ('USING' | 'WITH CHECK')[]): string {
  const condition = tenantCondition(context, relation);
  if (!condition) return `-- rewrite policy ${policy} on ${nameOf(relation)} so that it compares the row's tenant to the current tenant context`;
  return `ALTER POLICY ${quoteIdent(policy)} ON ${sqlName(relation)}\n  ${clauses.map((c) => `${c} (${condition})`).join('\n  ')};`;
}
