import { constantValue, nameParts, nodeOf, referencedColumns, referencedRelations, walkAst } from '../catalog/ast.ts';
import type { Expression, ExpressionAst, Policy, Relation } from '../catalog/snapshot.ts';
import type { AuditContext } from './context.ts';
import { clauseOf, policiesFor, type Command } from './policies.ts';
import { comparisonKind, type ComparisonKind } from './policy-comparisons.ts';
import { evaluate } from './policy-eval.ts';
import { contextKnown, operandOf, readsContext, scalarSubselectValue, type Operand, type ShapeEnvironment } from './policy-shape.ts';

/**
 * Whether a policy clause pins the row to the current tenant: TRUE only for rows whose
 * tenant column matches the context (directly, or through a sub-select that reads it).
 * `no` means the clause can be TRUE for a row no matter what the context says; `unknown`
 * leaves the case to the live attacks.
 */
export type Pin = 'yes' | 'no' | 'unknown';

/** The table whose rows a clause filters, and its tenant column. */
export interface PinTarget {
  table: string;
  column: string;
}

const argsOf = (fields: Record<string, unknown>): unknown[] => (Array.isArray(fields.args) ? fields.args : []);

/** True when `ast` refers to the target table's tenant column outside sub-selects. */
function mentionsColumn(ast: unknown, target: PinTarget): boolean {
  return referencedColumns(ast).some((c) => !c.inSubquery && c.name === target.column && (c.qualifier.length === 0 || c.qualifier[c.qualifier.length - 1] === target.table));
}

/** True when `ast` reads the tenant: the context, or a relation whose own policies pin the tenant. */
function readsTenant(ast: unknown, env: ShapeEnvironment): boolean {
  if (readsContext(ast, env.context)) return true;
  const pinned = env.pinnedRelation;
  return pinned !== undefined && referencedRelations(ast).some((r) => pinned(r));
}

/** True when the value can differ between rows: it reads a column of the row, here or in a correlated sub-select. */
function rowDependent(ast: unknown, target: PinTarget): boolean {
  return referencedColumns(ast).some((c) => !c.inSubquery || c.qualifier[c.qualifier.length - 1] === target.table);
}

function otherTenant(ast: unknown, env: ShapeEnvironment): string {
  return evaluate(ast, { tenantColumns: env.tenantColumns, context: env.context, situation: 'other-tenant' });
}

/** True when a sub-select refers to a column of the outer row (qualified with the table's name). */
function correlated(subselect: unknown, target: PinTarget): boolean {
  return referencedColumns(subselect).some((c) => c.qualifier[c.qualifier.length - 1] === target.table);
}

/** The pin of `left <op> right...` when one side is the target's tenant column; null when neither is. */
function comparisonPin(left: unknown, right: unknown[], kind: ComparisonKind, target: PinTarget, env: ShapeEnvironment): Pin | null {
  const own = (operand: Operand) =>
    operand.column !== null && !operand.readsContext && operand.column.ref.name === target.column && (operand.column.ref.qualifier.length === 0 || operand.column.ref.qualifier.at(-1) === target.table);
  const others = own(operandOf(left, env)) ? right : right.length === 1 && own(operandOf(right[0], env)) ? [left] : null;
  if (!others) return null;
  // Compared to something that reads neither the context nor a tenant-pinned relation (a
  // constant, another column), or with <>: not pinned. Weak operators still pin here;
  // tenant-comparison-not-equality judges them.
  return kind === 'inequality' || !others.every((o) => readsTenant(o, env)) ? 'no' : 'yes';
}

/** Whether `ast` pins rows of the target to the current tenant. */
export function tenantPin(ast: ExpressionAst, target: PinTarget, env: ShapeEnvironment): Pin {
  const node = nodeOf(ast);
  if (!node) return 'unknown';
  const f = node.fields;
  // What is not a recognised comparison pins nothing when it ignores the context, or reads
  // only the context and no column of the row (it is the same for every row).
  const fallback = (): Pin => (readsTenant(ast, env) && rowDependent(ast, target) ? 'unknown' : 'no');
  switch (node.kind) {
    case 'A_Const': {
      const v = constantValue(ast);
      return v === false || v === null ? 'yes' : 'no';
    }
    case 'BoolExpr': {
      const args = argsOf(f);
      if (f.boolop === 'NOT_EXPR') {
        const inner = nodeOf(args[0]);
        if (inner?.kind === 'A_Expr' && inner.fields.kind === 'AEXPR_DISTINCT') return comparisonPin(inner.fields.lexpr, [inner.fields.rexpr], 'equality', target, env) ?? fallback();
        return fallback();
      }
      // A branch that cannot be TRUE while another tenant is set (`ctx IS NULL`) opens nothing here.
      const live = f.boolop === 'OR_EXPR' ? args.filter((a) => !['false', 'null', 'error'].includes(otherTenant(a, env))) : args;
      if (live.length === 0) return 'yes';
      const pins = live.map((a) => tenantPin(a, target, env));
      if (f.boolop === 'AND_EXPR') return pins.includes('yes') ? 'yes' : pins.includes('unknown') ? 'unknown' : 'no';
      return pins.every((p) => p === 'yes') ? 'yes' : pins.includes('no') ? 'no' : 'unknown';
    }
    case 'A_Expr': {
      const kind = comparisonKind(String(f.kind), nameParts(f.name)[0] ?? '', false);
      if (!kind) return fallback();
      const array = nodeOf(f.rexpr);
      const right = Array.isArray(f.rexpr) ? f.rexpr : array?.kind === 'A_ArrayExpr' ? ((array.fields.elements as unknown[]) ?? []) : [f.rexpr];
      return comparisonPin(f.lexpr, right, kind, target, env) ?? fallback();
    }
    case 'SubLink': {
      const reads = readsTenant(f.subselect, env);
      if (f.subLinkType === 'EXISTS_SUBLINK') return reads && correlated(f.subselect, target) ? 'yes' : 'no';
      if (f.subLinkType === 'ANY_SUBLINK' && mentionsColumn(f.testexpr, target)) return reads ? 'yes' : 'no';
      const value = scalarSubselectValue(f);
      if (value !== undefined) return tenantPin(value, target, env);
      return reads && correlated(f.subselect, target) ? 'unknown' : fallback();
    }
    case 'FuncCall': {
      const names = nameParts(f.funcname);
      const args = argsOf(f);
      if (args.length >= 2 && ['starts_with', 'strpos', 'position'].includes(names.at(-1) ?? '')) return comparisonPin(args[0], args.slice(1), 'function', target, env) ?? fallback();
      return fallback();
    }
    default:
      return fallback();
  }
}

/** Why a clause lets rows of other tenants through. */
export type Openness = 'admits-other-tenant' | 'never-reads-context' | 'tenant-not-pinned';

/** The judgement of one policy clause. */
export type ClauseJudgement = { verdict: 'pins' } | { verdict: 'unknown' } | { verdict: 'open'; reason: Openness; detail: string };

function describeOperand(ast: unknown): string {
  const node = nodeOf(ast);
  if (node?.kind === 'ColumnRef') return `column ${nameParts(node.fields.fields).join('.')}`;
  const value = constantValue(ast);
  if (value !== undefined) return `the constant ${value === null ? 'NULL' : `'${String(value)}'`}`;
  return 'an expression that does not read the tenant context';
}

/** What the tenant column is compared to instead of the context, for messages. */
function unpinnedDetail(ast: ExpressionAst, target: PinTarget, env: ShapeEnvironment): string {
  const others: string[] = [];
  walkAst(ast, (node) => {
    if (node.inSubquery || node.kind !== 'A_Expr') return;
    const { lexpr, rexpr } = node.fields;
    for (const [side, other] of [[lexpr, rexpr], [rexpr, lexpr]] as const) {
      if (Array.isArray(other) || !mentionsColumn(side, target) || mentionsColumn(other, target) || readsContext(other, env.context)) continue;
      if (operandOf(side, env).column) others.push(describeOperand(other));
    }
  });
  return others.length > 0 ? `${target.column} is compared to ${[...new Set(others)].join(' and ')}, not to the tenant context` : `${target.column} is not tied to the tenant context on every path that makes it TRUE`;
}

/**
 * Judges a clause on a table: open when it is TRUE for another tenant's row, never reads the
 * context, or (on a table with a tenant column) never ties that column to the context. A
 * table without a tenant column (a child reached through a foreign key, users) constrains
 * through sub-selects, so reading the context anywhere is accepted there.
 */
export function judgeClause(expression: Expression | null, relation: Relation, tenantColumn: string | null, env: ShapeEnvironment): ClauseJudgement {
  const ast = expression?.ast;
  if (!ast) return { verdict: 'unknown' };
  if (otherTenant(ast, env) === 'true') {
    return { verdict: 'open', reason: 'admits-other-tenant', detail: "it is TRUE for a row of another tenant" };
  }
  if (!contextKnown(env.context)) return { verdict: 'unknown' };
  if (!readsTenant(ast, env)) {
    return { verdict: 'open', reason: 'never-reads-context', detail: `it never reads the tenant context (${[...env.context.settings].join(', ') || 'no context setting'})` };
  }
  if (tenantColumn === null) return { verdict: 'pins' };
  const target = { table: relation.name, column: tenantColumn };
  const pin = tenantPin(ast, target, env);
  if (pin === 'no') return { verdict: 'open', reason: 'tenant-not-pinned', detail: unpinnedDetail(ast, target, env) };
  return pin === 'yes' ? { verdict: 'pins' } : { verdict: 'unknown' };
}

/** True when a restrictive policy for the command pins the tenant: permissive policies then cannot open the table. */
export function restrictivePins(context: AuditContext, relation: Relation, command: Command, clause: 'using' | 'check', env: ShapeEnvironment): Policy | undefined {
  const tenantColumn = context.tenantTable(relation)?.tenantColumn ?? null;
  return policiesFor(context, relation, command).restrictive.find((p) => judgeClause(clauseOf(p, clause), relation, tenantColumn, env).verdict === 'pins');
}
