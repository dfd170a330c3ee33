import { walkAst, type VisitedNode } from '../catalog/ast.ts';
import type { Expression, Relation } from '../catalog/snapshot.ts';
import { quoteIdent } from '../db/quote.ts';
import type { AuditContext } from './context.ts';
import { nameOf, sqlName } from './describe.ts';
import { membershipReference } from './policy-scope.ts';

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
 * the key of the tenant registry, through the parent a foreign key points at (line items
 * through their invoice), or through the table that lists its rows per tenant (users through
 * memberships). Null when none can be derived.
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
  const members = membershipReference(context, relation);
  if (members?.fk.references) {
    const refs = members.fk.references.columns;
    const joins = members.fk.columns.map((c, i) => `m.${quoteIdent(c)} = ${quoteIdent(relation.name)}.${quoteIdent(refs[i]!)}`);
    return `EXISTS (SELECT 1 FROM ${sqlName(members.table)} m WHERE ${[...joins, columnCondition(context, members.table, members.tenantColumn, 'm')].join(' AND ')})`;
  }
  return null;
}

/** `ALTER POLICY ... USING (...)` / `WITH CHECK (...)` that pins the tenant, or a comment saying what to write. */
export function alterPolicySql(context: AuditContext, relation: Relation, policy: string, clauses: ('USING' | 'WITH CHECK')[]): string {
  const condition = tenantCondition(context, relation);
  if (!condition) return `-- rewrite policy ${policy} on ${nameOf(relation)} so that it compares the row's tenant to the current tenant context`;
  return `ALTER POLICY ${quoteIdent(policy)} ON ${sqlName(relation)}\n  ${clauses.map((c) => `${c} (${condition})`).join('\n  ')};`;
}

/** The end (exclusive) of the call starting at `start`: past the parenthesis matching its first one, skipping quoted text. */
function callEnd(text: string, start: number): number | null {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'" || ch === '"') {
      const close = text.indexOf(ch, i + 1);
      if (close < 0) return null;
      i = close;
    } else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i + 1;
  }
  return null;
}

/**
 * Rewrites the function calls `pick` selects in a policy expression's text, for fix SQL: the
 * AST gives each call's position (the parser saw `SELECT <text>`), so the rewrite touches
 * exactly those calls. Null when the positions do not fit the text.
 */
export function rewriteCalls(expression: Expression, pick: (node: VisitedNode) => boolean, rewrite: (call: string, node: VisitedNode) => string): string | null {
  if (!expression.ast) return null;
  const calls: { start: number; node: VisitedNode }[] = [];
  walkAst(expression.ast, (node) => {
    if (node.kind === 'FuncCall' && pick(node) && typeof node.fields.location === 'number') calls.push({ start: node.fields.location - 'SELECT '.length, node });
  });
  let text = expression.text;
  for (const { start, node } of calls.sort((a, b) => b.start - a.start)) {
    const end = callEnd(text, start);
    if (start < 0 || end === null) return null;
    text = text.slice(0, start) + rewrite(text.slice(start, end), node) + text.slice(end);
  }
  return text;
}

/** `ALTER POLICY` with rewritten clauses (those `rewriteClause` changes), or null when nothing could be rewritten. */
export function alterPolicyClauses(relation: Relation, policy: { name: string; using: Expression | null; withCheck: Expression | null }, rewriteClause: (expression: Expression) => string | null): string | null {
  const parts: string[] = [];
  for (const [keyword, expression] of [['USING', policy.using], ['WITH CHECK', policy.withCheck]] as const) {
    if (!expression) continue;
    const text = rewriteClause(expression);
    if (text === null) return null;
    if (text !== expression.text) parts.push(`${keyword} ${text.startsWith('(') && callEnd(text, 0) === text.length ? text : `(${text})`}`);
  }
  return parts.length === 0 ? null : `ALTER POLICY ${quoteIdent(policy.name)} ON ${sqlName(relation)}\n  ${parts.join('\n  ')};`;
}
